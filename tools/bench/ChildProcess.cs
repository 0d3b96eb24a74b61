using System.Diagnostics;
using System.Text.Json;

namespace OrtAgent.Bench;

/// <summary>
/// Runs one measurement in a process of its own, so its peak RSS is its own: this bench re-invoked with
/// <c>--single</c>, or the PyTorch script. Each child writes a JSON object of numbers to a file named by the parent.
/// </summary>
public static class ChildProcess
{
    /// <summary>This bench, re-invoked for <paramref name="single"/>.</summary>
    public static Dictionary<string, double> RunSelf(BenchOptions options, string single, string workDirectory)
    {
        var output = Path.Combine(workDirectory, $"result-{single.Replace(':', '-')}.json");
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this is");
        var arguments = new List<string>();
        // Under `dotnet Bench.dll` the process is the host; the assembly has to be named again.
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet") arguments.Add(typeof(ChildProcess).Assembly.Location);
        arguments.AddRange(options.ChildArguments(single, output, workDirectory));
        return Run(processPath, arguments, output, options.ChildTimeout);
    }

    /// <summary><c>tools/parity/torch_bench.py</c> under <see cref="BenchOptions.Python"/> for <paramref name="config"/>.</summary>
    public static Dictionary<string, double> RunTorch(BenchOptions options, string config, string weights, string workDirectory)
    {
        var output = Path.Combine(workDirectory, $"torch-{config.Replace(':', '-')}.json");
        var script = Path.Combine(RepositoryRoot.Find(), "tools", "parity", "torch_bench.py");
        var environment = options.OmpWaitPolicy is null ? null : new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = options.OmpWaitPolicy };
        return Run(options.Python,
        [
            script, "--weights", weights, "--config", config, "--threads", BenchOptions.Invariant(options.Threads), "--batch", BenchOptions.Invariant(options.BatchSize),
            "--steps", BenchOptions.Invariant(options.Steps), "--warmup", BenchOptions.Invariant(options.WarmupSteps), "--runs", BenchOptions.Invariant(options.InferenceRuns),
            "--latency-runs", BenchOptions.Invariant(options.LatencyRuns), "--out", output,
            "--device", options.Device == OrtAgent.Runtime.ExecutionDevice.Cuda ? "cuda" : "cpu",
        ], output, options.ChildTimeout, environment);
    }

    /// <exception cref="ChildProcessFailedException">It exited with an error, wrote no result, or ran past <paramref name="timeout"/> (and was killed).</exception>
    private static Dictionary<string, double> Run(string fileName, IReadOnlyList<string> arguments, string output, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (File.Exists(output)) File.Delete(output);
        var start = new ProcessStartInfo(fileName) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var command = $"{fileName} {string.Join(' ', arguments)}";
        WaitOrKill(process, timeout, command);
        if (process.ExitCode != 0 || !File.Exists(output))
            throw new ChildProcessFailedException(
                $"{command} exited with {process.ExitCode}{(process.ExitCode == 0 ? " without writing " + output : "")}:\n{Tail(stdout.Result)}\n{Tail(stderr.Result)}");
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        return json.RootElement.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Number)
            .ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    /// <summary>Waits for <paramref name="process"/>; past <paramref name="timeout"/> kills it with its children (ONNX Runtime's, a CLI's dotnet host).</summary>
    /// <exception cref="ChildProcessFailedException">It ran past the timeout.</exception>
    public static void WaitOrKill(Process process, TimeSpan timeout, string command)
    {
        if (!process.WaitForExit(timeout)) KillPastTimeout(process, timeout, command);
    }

    /// <summary>Kills <paramref name="process"/> and its children, which ran past <paramref name="timeout"/>.</summary>
    /// <exception cref="ChildProcessFailedException">Always: naming the command and the timeout.</exception>
    public static void KillPastTimeout(Process process, TimeSpan timeout, string command)
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        throw new ChildProcessFailedException(
            $"{command} ran past {timeout.TotalMinutes:F0} minutes (--child-timeout-minutes) and was killed");
    }

    public static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
