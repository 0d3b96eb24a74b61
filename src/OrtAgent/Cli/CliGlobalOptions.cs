using System.CommandLine;

namespace OrtAgent.Cli;

/// <summary>
/// <c>--verbose</c>, accepted by every command, and the root folders' options (<c>--models-root</c>,
/// <c>--artifacts-root</c>), which only the commands that keep files there declare. All reach the code before parsing:
/// the roots through configuration (<see cref="ConfigurationSwitches"/>), <c>--verbose</c> through the logging setup,
/// so commands never read them from the parse result.
/// </summary>
internal sealed class CliGlobalOptions
{
    private const string ModelsRootFlag = "--models-root", ArtifactsRootFlag = "--artifacts-root";

    /// <summary>Maps the path options onto configuration keys for <c>AddCommandLine</c>.</summary>
    public static readonly Dictionary<string, string> ConfigurationSwitches = new(StringComparer.Ordinal)
    {
        [ModelsRootFlag] = "Models:Root",
        [ArtifactsRootFlag] = "Artifacts:Root",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug detail and print stack traces of internal errors.",
        Recursive = true,
    };

    /// <summary>
    /// A new <c>--models-root</c>, for a command that keeps base models in the model store (train, artifacts, models,
    /// the fine-tuning service). The roots are where ortagent puts what it names itself; a command that takes every path
    /// it reads as given (predict, eval, explain, export, distill) has no use for this one, and refuses it as any flag it
    /// does not take, rather than listing it and ignoring it.
    /// </summary>
    /// <param name="condition">What it applies with, said before the description (<c>With --fine-tuning: </c>).</param>
    public static Option<string> ModelsRoot(string condition = "") => new(ModelsRootFlag)
    {
        Description = $"{condition}Model store folder; base models are kept in its base/ [default: models, or ORTAGENT_MODELS__ROOT].",
    };

    /// <summary>
    /// A new <c>--artifacts-root</c>, for a command that keeps a run's training artifacts under it, in a folder named
    /// after the run's <c>--output</c> (train, distill); see <see cref="ModelsRoot"/> for why the others lack it.
    /// </summary>
    public static Option<string> ArtifactsRoot() => new(ArtifactsRootFlag)
    {
        Description = "Artifacts folder; a run's artifacts go in its folder named after --output [default: artifacts, or ORTAGENT_ARTIFACTS__ROOT].",
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
