using OrtAgent.Cli;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// Loads the model <c>predict</c>, <c>eval</c> and <c>explain</c> run, and warns on stderr (stdout may carry their
/// results) of an int8 model on CUDA, whose quantized MatMuls run on the CPU (<see cref="Int8OnGpu"/>).
/// </summary>
internal sealed class InferenceModelLoader(ErrorOutput error)
{
    /// <exception cref="ModelLoadException">The directory does not hold a usable model.</exception>
    /// <exception cref="DeviceUnavailableException">The requested device cannot be used.</exception>
    public TextClassifier Load(InferenceModelOptions model)
    {
        var classifier = TextClassifier.Load(model.ModelDirectory, model.ToClassifierOptions());
        if (Int8OnGpu.Warning(model.ModelDirectory, classifier.Info, model.Session.Device) is { } warning)
            error.Writer.WriteLine($"warning: {warning}");
        return classifier;
    }
}
