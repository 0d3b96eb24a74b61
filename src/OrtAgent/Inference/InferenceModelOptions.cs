using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>Which exported model to serve and how: the options <c>predict</c> and <c>eval</c> share.</summary>
/// <param name="ModelDirectory">An exported model directory (<c>model.onnx</c> with OrtAgent metadata, <c>vocab.txt</c>).</param>
/// <param name="BatchSize">Texts read and classified together; also the largest batch sent to ONNX Runtime.</param>
public sealed record InferenceModelOptions(string ModelDirectory, int BatchSize = 32)
{
    /// <summary>Where and how ONNX Runtime executes the model: device, threads, TF32 on CUDA.</summary>
    public OrtSessionSettings Session { get; init; } = new();

    /// <summary>The options <see cref="TextClassifier.Load"/> takes.</summary>
    public TextClassifierOptions ToClassifierOptions() => new()
    {
        MaxBatchSize = BatchSize,
        Session = Session,
    };
}
