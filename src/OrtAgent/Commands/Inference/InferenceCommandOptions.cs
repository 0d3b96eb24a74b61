using System.CommandLine;
using OrtAgent.Inference;
using OrtAgent.Runtime;

namespace OrtAgent.Commands.Inference;

/// <summary>
/// The options every command that serves an exported model takes (<c>--model</c>, <c>--device</c>, <c>--threads</c>,
/// <c>--batch-size</c>), declared once so that <c>predict</c> and <c>eval</c> spell and check them alike.
/// </summary>
internal sealed class InferenceCommandOptions
{
    public Option<string> Model { get; } = new("--model", "-m")
    {
        Description = "Exported model directory (model.onnx with OrtAgent metadata, and vocab.txt).",
        Required = true,
    };

    public Option<string> Device { get; } = new("--device")
    {
        Description = "Where ONNX Runtime runs the model: cpu or cuda (cuda needs the -p:OrtAgentDevice=cuda build).",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Threads per operator; 0 lets ONNX Runtime choose (one per physical core).",
        DefaultValueFactory = _ => 0,
    };

    public Option<int> BatchSize { get; } = new("--batch-size")
    {
        Description = "Texts classified together.",
        DefaultValueFactory = _ => 32,
    };

    public InferenceCommandOptions()
    {
        Device.AcceptOnlyFromAmong("cpu", "cuda");
        Threads.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--threads must be 0 (automatic) or more.");
        });
        BatchSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--batch-size must be at least 1.");
        });
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Device);
        command.Options.Add(Threads);
        command.Options.Add(BatchSize);
    }

    /// <summary>The model options as parsed.</summary>
    public InferenceModelOptions Read(ParseResult parseResult) => new(
        parseResult.GetRequiredValue(Model),
        parseResult.GetValue(Device) == "cuda" ? ExecutionDevice.Cuda : ExecutionDevice.Cpu,
        parseResult.GetValue(Threads),
        parseResult.GetValue(BatchSize));
}
