using System.CommandLine;

namespace OrtAgent.Cli;

/// <summary>
/// Options accepted by every command. <c>--models-root</c> and <c>--artifacts-root</c> reach the code through
/// configuration (<see cref="ConfigurationSwitches"/>), <c>--verbose</c> through the logging setup, so commands never
/// read them from the parse result.
/// </summary>
internal sealed class CliGlobalOptions
{
    /// <summary>Maps the path options onto configuration keys for <c>AddCommandLine</c>.</summary>
    public static readonly Dictionary<string, string> ConfigurationSwitches = new(StringComparer.Ordinal)
    {
        ["--models-root"] = "Models:Root",
        ["--artifacts-root"] = "Artifacts:Root",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug detail and print stack traces of internal errors.",
        Recursive = true,
    };

    public Option<string> ModelsRoot { get; } = new("--models-root")
    {
        Description = "Model store folder [default: models, or ORTAGENT_MODELS__ROOT].",
        Recursive = true,
    };

    public Option<string> ArtifactsRoot { get; } = new("--artifacts-root")
    {
        Description = "Artifacts folder [default: artifacts, or ORTAGENT_ARTIFACTS__ROOT].",
        Recursive = true,
    };

    /// <summary>True when <c>--verbose</c>/<c>-v</c> appears before any <c>--</c>; needed before parsing, to set up logging.</summary>
    public static bool IsVerbose(IEnumerable<string> args) =>
        args.TakeWhile(a => a != "--").Any(a => a is "--verbose" or "-v");
}
