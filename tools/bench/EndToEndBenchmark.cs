using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace OrtAgent.Bench;

/// <summary>
/// Whole <c>ortagent train</c> runs through the CLI, as a user runs them: the default job (minilm on the embedded
/// reviews) and, when <c>tools/spam/prepare.sh</c> has written it, the SpamAssassin collection split with the test
/// set scored by <c>ortagent eval --json</c>. Wall time includes process start, tokenizing, generating the training
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
        // Threads and device go to every command, as a user would pass them.
        var execution = new[] { "--threads", options.Threads.ToString(), "--device", options.Device == OrtAgent.Runtime.ExecutionDevice.Cuda ? "cuda" : "cpu" };

        var defaultRun = RunCli(["train", "--output", Path.Combine(root, "default"), "--artifacts-root", Path.Combine(root, "artifacts"), .. execution]);
        yield return new(section, "default train (embedded reviews, minilm): wall", "s", defaultRun.Seconds, double.NaN, false);
        yield return new(section, "  validation accuracy (best epoch)", "%", 100 * BestValidationAccuracy(Path.Combine(root, "default")), double.NaN, true);
        yield return new(section, "  peak RSS", "MiB", defaultRun.PeakMiB, double.NaN, false);

        var spam = Path.GetFullPath(options.SpamDirectory ?? Path.Combine(ChildProcess.RepositoryRoot(), "data", "external", "spam"));
        if (!File.Exists(Path.Combine(spam, "train.csv")) || !File.Exists(Path.Combine(spam, "test.csv")))
        {
            yield return new(section, $"SpamAssassin: no train.csv/test.csv in {spam} (run tools/spam/prepare.sh)", "", double.NaN, double.NaN, true, "skipped");
            yield break;
        }
        var model = Path.Combine(root, "spam");
        var spamRun = RunCli(["train", "--data", Path.Combine(spam, "train.csv"), "--output", model, "--artifacts-root", Path.Combine(root, "artifacts"),
            .. SpamTrainArguments, .. execution]);
        var test = RunCli(["eval", "--model", model, "--data", Path.Combine(spam, "test.csv"), "--json", .. execution]);
        using var evaluation = JsonDocument.Parse(test.Stdout.Trim().Split('\n')[^1]);
        var recipe = string.Join(' ', SpamTrainArguments);
        yield return new(section, $"SpamAssassin collection split ({recipe}): wall", "s", spamRun.Seconds, double.NaN, false);
        yield return new(section, "  validation accuracy (best epoch)", "%", 100 * BestValidationAccuracy(model), double.NaN, true);
        yield return new(section, "  test accuracy (easy-ham-2 + hard-ham-1 + spam-2)", "%", 100 * evaluation.RootElement.GetProperty("accuracy").GetDouble(),
            double.NaN, true, "target ≥ 98%");
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

    private sealed record CliRun(double Seconds, double PeakMiB, string Stdout);

    /// <summary>The <c>ortagent</c> CLI, run with <paramref name="arguments"/>.</summary>
    private static CliRun RunCli(IReadOnlyList<string> arguments)
    {
        var start = CliStart();
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var a in arguments) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        double peak = double.NaN;
        var pid = process.Id.ToString();
        // VmHWM vanishes with the process (a zombie's status has none), so it is sampled while the process runs.
        while (!process.WaitForExit(200))
        {
            try
            {
                var sample = PeakMemory.PeakResidentMiB(pid);
                if (!double.IsNaN(sample)) peak = double.IsNaN(peak) ? sample : Math.Max(peak, sample);
            }
            catch (IOException) { }
        }
        clock.Stop();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ortagent {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{stderr.Result}");
        return new CliRun(clock.Elapsed.TotalSeconds, peak, stdout.Result);
    }

    /// <summary>
    /// A self-contained <c>ortagent</c> published beside this bench (tools/gpu's bundle, for machines without .NET), else
    /// the CLI built in the repository in the bench's configuration, run by <c>dotnet</c>.
    /// </summary>
    private static ProcessStartInfo CliStart()
    {
        // A build copies the CLI's launcher here too, without the program: only both together are a runnable CLI.
        var beside = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "ortagent.exe" : "ortagent");
        if (File.Exists(beside) && File.Exists(Path.Combine(AppContext.BaseDirectory, "ortagent.dll"))) return new ProcessStartInfo(beside);
        var build = typeof(EndToEndBenchmark).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OrtAgentCliBuild").Value!;
        var path = Path.Combine(ChildProcess.RepositoryRoot(), "src", "OrtAgent", "bin", build, "ortagent.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"the ortagent CLI is not built at {path}; build the solution");
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(path);
        return start;
    }
}
