using System.CommandLine;
using OrtAgent.Runtime;

namespace OrtAgent.Commands;

/// <summary>
/// Where a command runs ONNX Runtime (<c>--device</c>, <c>--threads</c>), declared once so that <c>train</c>,
/// <c>predict</c>, <c>eval</c> and <c>serve</c> spell, describe and check them alike.
/// </summary>
internal sealed class DeviceCommandOptions
{
    private readonly ChoiceOption<ExecutionDevice> _device = new("--device",
        "Where ONNX Runtime runs: cpu or cuda (cuda needs the -p:OrtAgentDevice=cuda build).",
        ExecutionDevice.Cpu, NameOf);

    public Option<string> Device => _device.Option;

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Threads per operator; 0 lets ONNX Runtime choose (one per physical core).",
        DefaultValueFactory = _ => 0,
    };

    public DeviceCommandOptions()
    {
        Threads.RequireBetween(0, OrtSessionSettings.MaxIntraOpThreads, $"must be 0 (automatic) to {OrtSessionSettings.MaxIntraOpThreads}");
    }

    /// <summary>How <c>--device</c> spells <paramref name="device"/>: <c>cpu</c> or <c>cuda</c>.</summary>
    public static string NameOf(ExecutionDevice device) => device.ToString().ToLowerInvariant();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Device);
        command.Options.Add(Threads);
    }

    /// <summary>The device as parsed (the validator has refused anything else).</summary>
    public ExecutionDevice ReadDevice(ParseResult parseResult) => _device.Read(parseResult);

    public int ReadThreads(ParseResult parseResult) => parseResult.GetValue(Threads);
}
