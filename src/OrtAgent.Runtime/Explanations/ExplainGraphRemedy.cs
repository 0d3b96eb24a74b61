namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// How a model directory gets the <c>explain.onnx</c> it lacks or cannot use (<see cref="ExplainGraphUnavailableException.Remedy"/>).
/// The runtime cannot write one itself: building it is the training library's work, which a host may expose otherwise
/// (the command line as <c>export</c>), so each host words the remedy its own way.
/// </summary>
public enum ExplainGraphRemedy
{
    /// <summary>Add one, built from the model's own fp32 weights (<c>ModelExporter.AddExplainGraph</c> in OrtAgent.Training).</summary>
    Add,

    /// <summary>Replace the one there, which does not fit the model, the same way as <see cref="Add"/>.</summary>
    Rebuild,

    /// <summary>
    /// The model is int8 and its gradients need the fp32 weights it was quantized from: export it again from its
    /// checkpoint (<c>ModelExporter.Export</c> with <c>ExportOptions.QuantizeInt8</c>), which writes <c>explain.onnx</c> from them.
    /// </summary>
    ExportAgainFromCheckpoint,
}
