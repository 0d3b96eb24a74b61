using System.Text.Json;

namespace OrtAgent.Bench;

/// <summary>
/// Whole <c>ortagent train</c> runs through the CLI, as a user runs them: the default job (minilm on the embedded
/// reviews) and, when <c>tools/spam/prepare.sh</c> has written it, a SpamAssassin split (<c>--spam-dir</c>: the
/// collection split by default, the mixed one from its <c>mixed/</c> folder) with the test set scored by
/// <c>ortagent eval --json</c>. Wall time includes process start, tokenizing, generating the training
/// graphs, every evaluation and the export; peak RSS is the CLI process's, sampled while it runs.
/// </summary>
public static class EndToEndBenchmark
{
    /// <summary>The SpamAssassin recipe timed here, also the README's.</summary>
    public static readonly string[] SpamTrainArguments = ["--max-length", "128", "--epochs", "2", "--batch-size", "32"];

    public static IEnumerable<BenchRow> Run(BenchOptions options, string workDirectory)
    {
        var root = Path.Combine(workDirectory, "end-to-end");
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        const string section = "End to end: ortagent train (CLI, wall time; PyTorch has no counterpart)";
        var defaultRun = OrtAgentCli.Run(["train", "--output", Path.Combine(root, "default"), "--artifacts-root", Path.Combine(root, "artifacts"),
            .. options.CliArguments("train")], options.ChildTimeout);
        yield return new(section, "default train (embedded reviews, minilm): wall", "s", defaultRun.Seconds, double.NaN, false);
        yield return new(section, "  validation accuracy (best epoch)", "%", 100 * BestValidationAccuracy(Path.Combine(root, "default")), double.NaN, true);
        yield return new(section, "  peak RSS", "MiB", defaultRun.PeakMiB, double.NaN, false);

        // Without its trailing separator, so that data/external/spam/mixed/ is recognised as the mixed split below.
        var spam = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.SpamDirectory ?? Path.Combine(RepositoryRoot.Find(), "data", "external", "spam")));
        if (!File.Exists(Path.Combine(spam, "train.csv")) || !File.Exists(Path.Combine(spam, "test.csv")))
        {
            yield return new(section, $"SpamAssassin: no train.csv/test.csv in {spam} (run tools/spam/prepare.sh)", "", double.NaN, double.NaN, true, "skipped");
            yield break;
        }
        var model = Path.Combine(root, "spam");
        var spamRun = OrtAgentCli.Run(["train", "--data", Path.Combine(spam, "train.csv"), "--output", model, "--artifacts-root", Path.Combine(root, "artifacts"),
            .. SpamTrainArguments, .. options.CliArguments("train")], options.ChildTimeout);
        var test = OrtAgentCli.Run(["eval", "--model", model, "--data", Path.Combine(spam, "test.csv"), "--json", .. options.CliArguments("eval")], options.ChildTimeout);
        using var evaluation = JsonDocument.Parse(test.Stdout.Trim().Split('\n')[^1]);
        var recipe = string.Join(' ', SpamTrainArguments);
        // tools/spam/prepare.sh writes the mixed split, the accuracy reference, to mixed/; the collection split is
        // an out-of-distribution figure with no target.
        bool mixed = Path.GetFileName(spam) == "mixed";
        yield return new(section, $"SpamAssassin {(mixed ? "mixed" : "collection")} split ({recipe}): wall", "s", spamRun.Seconds, double.NaN, false);
        yield return new(section, "  validation accuracy (best epoch)", "%", 100 * BestValidationAccuracy(model), double.NaN, true);
        yield return new(section, mixed ? "  test accuracy (every collection on both sides)" : "  test accuracy (easy-ham-2 + hard-ham-1 + spam-2)", "%",
            100 * evaluation.RootElement.GetProperty("accuracy").GetDouble(), double.NaN, true,
            mixed ? "reference ≥ 98.5% (README's recipe)" : "out of distribution, no target");
        yield return new(section, "  peak RSS", "MiB", spamRun.PeakMiB, double.NaN, false);
    }

    private static double BestValidationAccuracy(string modelDirectory) =>
        File.ReadLines(Path.Combine(modelDirectory, "metrics.jsonl"))
            .Select(line =>
            {
                using var record = JsonDocument.Parse(line);
                var e = record.RootElement;
                return e.GetProperty("type").GetString() == "eval" ? e.GetProperty("accuracy").GetDouble() : double.NegativeInfinity;
            })
            .Max();
}
