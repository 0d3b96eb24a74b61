using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Bench;

/// <summary>
/// The JSON a tool writes of the figures it printed. It opens with where they come from, the same in every tool: when
/// (<c>measured_at</c>), which commit (<c>git_commit</c>, <c>uncommitted_changes</c>: <see cref="SourceRevision"/>), which
/// build (<c>build</c>: <see cref="BuildStamp"/>, a line per assembly) and on what machine (<c>machine</c>:
/// <see cref="MachineInfo"/>); then the tool's own fields, snake_case. Written atomically (a temporary file renamed into
/// place), so a run killed while writing leaves the previous file whole. Shared with load-test and fine-tuning-bench.
/// </summary>
public static class FigureFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A figure that could not be measured (no request succeeded) is NaN, written as "NaN" rather than failing the file.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Checks, before anything is measured, that <paramref name="path"/> can be written (its folder made, a file put
    /// there and removed): a path found unwritable only when the run is over loses what it measured.
    /// </summary>
    /// <exception cref="UserInputException">It cannot.</exception>
    public static void CheckWritable(string path)
    {
        // The name the write itself will use, so a probe left by a kill is swept as that write's leftovers are.
        var probe = TemporarySiblings.For(path, "tmp", hidden: true);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(probe)!);
            File.WriteAllText(probe, "");
            File.Delete(probe);
            TemporarySiblings.Release(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--json {path}: cannot write there: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the provenance of the figures, then the properties of <paramref name="figures"/>, to <paramref name="path"/>.</summary>
    /// <exception cref="UserInputException">The file cannot be written there.</exception>
    public static void Write(string path, string build, object figures)
    {
        var document = new JsonObject
        {
            ["measured_at"] = DateTimeOffset.UtcNow,
            ["git_commit"] = SourceRevision.Current.GitCommit,
            ["uncommitted_changes"] = SourceRevision.Current.UncommittedChanges,
            ["build"] = JsonSerializer.SerializeToNode(build.Split('\n', StringSplitOptions.RemoveEmptyEntries), Options),
            ["machine"] = JsonSerializer.SerializeToNode(MachineInfo.Current(), Options),
        };
        foreach (var (name, value) in JsonSerializer.SerializeToNode(figures, Options)!.AsObject())
            document[name] = value?.DeepClone();
        try
        {
            AtomicFile.WriteAllText(path, document.ToJsonString(Options));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot write the figures to {path}: {ex.Message}", ex);
        }
    }
}
