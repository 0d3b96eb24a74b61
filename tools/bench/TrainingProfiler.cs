using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.Bench;

/// <summary>
/// <c>--profile</c>: runs the training graph (forward + backward) and the optimizer graph a few steps with ONNX
/// Runtime's profiler on, on the bench's device, and prints where the time goes by execution provider, by op type, by
/// op type and input shapes, and by node.
/// </summary>
/// <remarks>
/// Opens its own session per graph rather than profiling through <see cref="OrtAgent.Training.Trainer.TrainingSession"/>,
/// which opens three sessions from one settings object, so their profiles would be told apart only by timestamp. The
/// graphs and kernels are the same; only IOBinding is not used. The profile prefix is set on the session options
/// directly: <see cref="OrtSessionSettings.ProfilePrefix"/> is assigned after <c>EnableProfiling</c>, and ONNX Runtime's
/// C# options pass the prefix to the native side only when profiling is enabled, so there it is ignored and the files
/// land in the working directory as <c>onnxruntime_profile_*.json</c>.
/// </remarks>
public static class TrainingProfiler
{
    public static void Run(BenchWorkspace workspace, BenchOptions options)
    {
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;
        int sequence = options.SequenceLengths[^1];
        int steps = options.Quick ? 2 : 4, warmup = options.Quick ? 1 : 2;
        var weights = SafeTensorsReader.Read(workspace.Artifacts.ModelCheckpointPath);
        var batch = TrainingStepBenchmark.FullLengthBatch(options.BatchSize, sequence, seed: 7);
        AnsiConsole.MarkupLine($"[bold]ONNX Runtime profile[/]: minilm on {options.Device}, batch {options.BatchSize} × seq {sequence}, {options.Threads} intra-op threads, " +
            $"{warmup} warmup + {steps} profiled runs per graph; load average {Markup.Escape(MachineInfo.LoadAverageNow())}");
        foreach (var (title, path) in new[] { ("training graph (forward + backward)", workspace.Artifacts.TrainingModelPath), ("optimizer graph (clip + AdamW)", workspace.Artifacts.OptimizerModelPath) })
        {
            var prefix = Path.Combine(workspace.Directory, "profile-" + Path.GetFileNameWithoutExtension(path));
            using var sessionOptions = options.SessionSettings.CreateSessionOptions();
            sessionOptions.ProfileOutputPathPrefix = prefix;
            sessionOptions.EnableProfiling = true;
            using var session = new InferenceSession(path, sessionOptions);
            var inputs = ProfileInputs.Create(session, weights, batch);
            var wall = new List<double>();
            try
            {
                using var runOptions = new RunOptions();
                for (int i = 0; i < steps + warmup; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    using var outputs = session.Run(runOptions, inputs.Keys.ToArray(), inputs.Values.ToArray(), session.OutputNames.ToArray());
                    if (i >= warmup) wall.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            finally
            {
                foreach (var value in inputs.Values) value.Dispose();
            }
            var file = session.EndProfiling();
            var profile = OrtProfile.Read(file, skipRuns: warmup);
            Print(title, profile, Samples.Median(wall), file);
        }
    }

    private static void Print(string title, OrtProfile profile, double wallMs, string file)
    {
        double perRun = profile.Runs;
        double kernelMs = profile.Kernels.Sum(k => k.Microseconds) / 1000.0 / perRun;
        AnsiConsole.MarkupLine(FormattableString.Invariant($"\n[bold]{Markup.Escape(title)}[/]: wall {wallMs:F1} ms/run (median), kernels {kernelMs:F1} ms/run, over {profile.Runs} runs; {Markup.Escape(file)}"));
        // On CUDA the times are mostly launch times (the kernels run asynchronously); what this table shows is which
        // nodes did not run on the GPU, with the copies ONNX Runtime put around them.
        Table(profile, "Nodes by execution provider", k => k.Provider, perRun, kernelMs, 10);
        Table(profile, "Top 10 op types", k => k.OpType, perRun, kernelMs, 10);
        Table(profile, "Top 10 (op type, input shapes)", k => $"{k.OpType} {k.InputShapes}", perRun, kernelMs, 10);
        Table(profile, "Top 10 nodes", k => $"{k.OpType} {k.Node}", perRun, kernelMs, 10);
    }

    private static void Table(OrtProfile profile, string title, Func<OrtProfile.Kernel, string> key, double runs, double kernelMs, int top)
    {
        var table = new Table().Border(TableBorder.Simple).Title(title);
        table.AddColumns("", "count/run", "ms/run", "% of kernel time", "cumulative %");
        double cumulative = 0;
        foreach (var group in profile.Kernels.GroupBy(key).Select(g => (Key: g.Key, Count: g.Count() / runs, Ms: g.Sum(k => k.Microseconds) / 1000.0 / runs))
                     .OrderByDescending(g => g.Ms).Take(top))
        {
            double share = 100 * group.Ms / kernelMs;
            cumulative += share;
            table.AddRow(Markup.Escape(group.Key), FormattableString.Invariant($"{group.Count:F0}"), FormattableString.Invariant($"{group.Ms:F2}"),
                FormattableString.Invariant($"{share:F1}"), FormattableString.Invariant($"{cumulative:F1}"));
        }
        AnsiConsole.Write(table);
    }
}
