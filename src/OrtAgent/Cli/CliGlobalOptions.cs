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

    /// <summary>
    /// The path options among <paramref name="args"/> (before any <c>--</c>), each as <c>--models-root=DIR</c>, for
    /// <c>AddCommandLine</c>. Handed the whole command line, that reader took a flag without a value as taking the next
    /// word (<c>serve --fine-tuning --models-root DIR</c>: <c>--fine-tuning</c> "was" <c>--models-root</c>), so DIR was
    /// never read and the service extracted its base models under ./models; it did not read System.CommandLine's
    /// <c>--models-root:DIR</c> either.
    /// </summary>
    public static string[] PathAssignments(IEnumerable<string> args)
    {
        var words = args.TakeWhile(a => a != "--").ToArray();
        var assignments = new List<string>();
        for (int i = 0; i < words.Length; i++)
        {
            foreach (var option in ConfigurationSwitches.Keys)
            {
                if (words[i] == option && i + 1 < words.Length)
                    assignments.Add($"{option}={words[++i]}");
                else if (words[i].Length > option.Length && words[i].StartsWith(option, StringComparison.Ordinal) && words[i][option.Length] is '=' or ':')
                    assignments.Add($"{option}={words[i][(option.Length + 1)..]}");
                else
                    continue;
                break;
            }
        }
        return [.. assignments];
    }

    /// <summary>True when <c>--verbose</c>/<c>-v</c> appears before any <c>--</c>; needed before parsing, to set up logging.</summary>
    public static bool IsVerbose(IEnumerable<string> args) =>
        args.TakeWhile(a => a != "--").Any(a => a is "--verbose" or "-v");
}
