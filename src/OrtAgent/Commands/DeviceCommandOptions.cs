using System.CommandLine;
using System.Globalization;
using OrtAgent.Runtime;

namespace OrtAgent.Commands;

/// <summary>
/// Where a command runs ONNX Runtime (<c>--device</c>, <c>--threads</c>, <c>--no-tf32</c>), declared once so that
/// <c>train</c>, <c>predict</c>, <c>eval</c> and <c>serve</c> spell, describe and check them alike.
/// </summary>
internal sealed class DeviceCommandOptions
{
    // The flags' names, which WordsFor spells back too.
    private const string DeviceFlag = "--device", ThreadsFlag = "--threads", NoTf32Flag = "--no-tf32";

    private readonly ChoiceOption<ExecutionDevice> _device = new(DeviceFlag,
        "Where ONNX Runtime runs: cpu or cuda (cuda needs the -p:OrtAgentDevice=cuda build).",
        ExecutionDevice.Cpu, NameOf);

    public Option<string> Device => _device.Option;

    // OrtSessionSettings.IntraOpThreads checks it.
    public Option<int> Threads { get; } = new Option<int>(ThreadsFlag)
    {
        Description = "Threads per operator; 0 lets ONNX Runtime choose (one per physical core).",
        DefaultValueFactory = _ => 0,
    }.Takes(0, OrtSessionSettings.MaxIntraOpThreads);

    public Option<bool> NoTf32 { get; } = new(NoTf32Flag)
    {
        Description = "On cuda, run float32 MatMuls in full float32 rather than on TF32 tensor cores (ONNX Runtime's default, faster, 10-bit products).",
    };

    /// <summary>How <c>--device</c> spells <paramref name="device"/>: <c>cpu</c> or <c>cuda</c>.</summary>
    public static string NameOf(ExecutionDevice device) => device.ToString().ToLowerInvariant();

    /// <summary>
    /// The options that ask for <paramref name="session"/>, as words of a command line (a flag and its value are two), each
    /// left out at its default: what a command line printed for the user to run again (a resume) adds so that it runs where
    /// this one did.
    /// </summary>
    public static IEnumerable<string> WordsFor(OrtSessionSettings session)
    {
        if (session.Device != ExecutionDevice.Cpu)
        {
            yield return DeviceFlag;
            yield return NameOf(session.Device);
        }
        if (session.IntraOpThreads > 0)
        {
            yield return ThreadsFlag;
            yield return session.IntraOpThreads.ToString(CultureInfo.InvariantCulture);
        }
        if (!session.AllowTf32) yield return NoTf32Flag;
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Device);
        command.Options.Add(Threads);
        command.Options.Add(NoTf32);
    }

    /// <summary>
    /// The session settings as parsed, checked by the runtime before the command loads anything: a thread count out of
    /// range is its <see cref="InvalidOptionException"/>, which <c>OptionFlags</c> words as <c>--threads -1: ...</c>.
    /// </summary>
    /// <exception cref="UserInputException"><c>--no-tf32</c> was given for the CPU, which has no TF32 to turn off.</exception>
    /// <exception cref="InvalidOptionException"><c>--threads</c> is out of range.</exception>
    public OrtSessionSettings ReadSession(ParseResult parseResult)
    {
        var device = _device.Read(parseResult);
        bool noTf32 = parseResult.GetValue(NoTf32);
        if (noTf32 && device != ExecutionDevice.Cuda)
            throw new UserInputException($"{NoTf32Flag} applies to {DeviceFlag} cuda only; the CPU computes float32 in full");
        var settings = new OrtSessionSettings { Device = device, IntraOpThreads = parseResult.GetValue(Threads), AllowTf32 = !noTf32 };
        settings.Validate();
        return settings;
    }
}
