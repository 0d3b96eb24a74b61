namespace OrtAgent.Exporting;

/// <summary>Exports a trained checkpoint as an inference model (<c>ortagent export</c>).</summary>
public interface IExportService
{
    /// <summary>Exports the best parameters of <paramref name="artifactsDirectory"/> (the latest when no best was kept).</summary>
    /// <returns>The path of the written <c>model.onnx</c>.</returns>
    /// <param name="artifactsDirectory">The training artifacts (artifacts/NAME).</param>
    /// <param name="outputDirectory">Where the model goes; replaced only once the new export is complete.</param>
    /// <param name="quantizeInt8">Store weights as int8 (CPU only).</param>
    /// <param name="latest">Export the latest parameters rather than the best evaluated ones.</param>
    /// <param name="writeExplainGraph">Also write <c>explain.onnx</c> (from the fp32 weights, also for int8).</param>
    /// <param name="cancellationToken">Ctrl+C: checked between the stages of the export, up to the swap into place.</param>
    /// <exception cref="OperationCanceledException">Cancelled before the new model was put in place; what was there stays.</exception>
    string Export(string artifactsDirectory, string outputDirectory, bool quantizeInt8, bool latest, bool writeExplainGraph = true,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the LoRA adapter of <paramref name="artifactsDirectory"/> (best parameters unless <paramref name="latest"/>)
    /// as <c>adapter.safetensors</c> + <c>adapter_config.json</c> in PEFT's naming.
    /// </summary>
    /// <returns>The path of the written <c>adapter.safetensors</c>.</returns>
    /// <exception cref="UserInputException">The artifacts were not trained with LoRA, or the output may not be replaced.</exception>
    string ExportAdapter(string artifactsDirectory, string outputDirectory, bool latest);

    /// <summary>Adds <c>explain.onnx</c> to an fp32 model exported without one.</summary>
    /// <returns>The path of the written <c>explain.onnx</c>.</returns>
    /// <exception cref="UserInputException">No model there, or it cannot be explained (int8: re-export from the checkpoint).</exception>
    string AddExplainGraph(string modelDirectory);
}
