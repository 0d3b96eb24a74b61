using System.CommandLine;
using OrtAgent.Inference;

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

    /// <summary>Where ONNX Runtime runs the model.</summary>
    public DeviceCommandOptions Execution { get; } = new();

    public Option<int> BatchSize { get; } = new("--batch-size")
    {
        Description = "Texts classified together.",
        DefaultValueFactory = _ => 32,
    };

    public InferenceCommandOptions()
    {
        BatchSize.RequireAtLeast(1, "must be at least 1");
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        Execution.AddTo(command);
        command.Options.Add(BatchSize);
    }

    /// <summary>The model options as parsed.</summary>
    public InferenceModelOptions Read(ParseResult parseResult) => new(parseResult.GetRequiredValue(Model), parseResult.GetValue(BatchSize))
    {
        Session = Execution.ReadSession(parseResult),
    };
}
