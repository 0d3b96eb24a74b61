using System.CommandLine;
using OrtAgent.Runtime;

namespace OrtAgent.Commands;

/// <summary>
/// Where a command runs ONNX Runtime (<c>--device</c>, <c>--threads</c>), declared once so that <c>train</c>,
/// <c>predict</c>, <c>eval</c> and <c>serve</c> spell, describe and check them alike.
/// </summary>
internal sealed class DeviceCommandOptions
{
    public Option<string> Device { get; } = new("--device")
    {
        Description = "Where ONNX Runtime runs: cpu or cuda (cuda needs the -p:OrtAgentDevice=cuda build).",
        DefaultValueFactory = _ => "cpu",
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Threads per operator; 0 lets ONNX Runtime choose (one per physical core).",
        DefaultValueFactory = _ => 0,
    };

    public DeviceCommandOptions()
    {
        Device.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (TryParse(value) is null) r.AddError($"--device '{value}': expected cpu or cuda.");
        });
        Threads.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--threads must be 0 (automatic) or more.");
        });
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Device);
        command.Options.Add(Threads);
    }

    /// <summary>The device as parsed (the validator has refused anything else).</summary>
    public ExecutionDevice ReadDevice(ParseResult parseResult) => TryParse(parseResult.GetValue(Device)) ?? ExecutionDevice.Cpu;

    public int ReadThreads(ParseResult parseResult) => parseResult.GetValue(Threads);

    private static ExecutionDevice? TryParse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "cpu" => ExecutionDevice.Cpu,
        "cuda" => ExecutionDevice.Cuda,
        _ => null,
    };
}
