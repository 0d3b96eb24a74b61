using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>Which exported model to serve and how: the options <c>predict</c> and <c>eval</c> share.</summary>
/// <param name="ModelDirectory">An exported model directory (<c>model.onnx</c> with OrtAgent metadata, <c>vocab.txt</c>).</param>
/// <param name="Device">Where ONNX Runtime executes the model.</param>
/// <param name="Threads">Threads inside one operator; 0 lets ONNX Runtime choose.</param>
/// <param name="BatchSize">Texts read and classified together; also the largest batch sent to ONNX Runtime.</param>
public sealed record InferenceModelOptions(string ModelDirectory, ExecutionDevice Device = ExecutionDevice.Cpu, int Threads = 0, int BatchSize = 32)
{
    /// <summary>The options <see cref="TextClassifier.Load"/> takes.</summary>
    public TextClassifierOptions ToClassifierOptions() => new()
    {
        MaxBatchSize = BatchSize,
        Session = new OrtSessionSettings { Device = Device, IntraOpThreads = Threads },
    };
}
