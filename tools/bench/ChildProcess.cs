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
        return Run(processPath, arguments, output);
    }

    /// <summary><c>tools/parity/torch_bench.py</c> under <see cref="BenchOptions.Python"/> for <paramref name="config"/>.</summary>
    public static Dictionary<string, double> RunTorch(BenchOptions options, string config, string weights, string workDirectory)
    {
        var output = Path.Combine(workDirectory, $"torch-{config.Replace(':', '-')}.json");
        var script = Path.Combine(RepositoryRoot(), "tools", "parity", "torch_bench.py");
        var environment = options.OmpWaitPolicy is null ? null : new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = options.OmpWaitPolicy };
        return Run(options.Python,
        [
            script, "--weights", weights, "--config", config, "--threads", options.Threads.ToString(), "--batch", options.BatchSize.ToString(),
            "--steps", options.Steps.ToString(), "--warmup", options.WarmupSteps.ToString(), "--runs", options.InferenceRuns.ToString(),
            "--latency-runs", options.LatencyRuns.ToString(), "--out", output,
            "--device", options.Device == OrtAgent.Runtime.ExecutionDevice.Cuda ? "cuda" : "cpu",
        ], output, environment);
    }

    /// <summary>The directory holding <c>OrtAgent.sln</c>, searched upward from the working directory, then from the binary.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "OrtAgent.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("run the bench inside the OrtAgent repository (no OrtAgent.sln found above here)");
    }

    private static Dictionary<string, double> Run(string fileName, IReadOnlyList<string> arguments, string output,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (File.Exists(output)) File.Delete(output);
        var start = new ProcessStartInfo(fileName) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(output))
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{Tail(stdout.Result)}\n{Tail(stderr.Result)}");
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        return json.RootElement.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Number)
            .ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
