using Spectre.Console;

namespace OrtAgent.Bench;

/// <summary>
/// The parent process: prepares the workspace, runs every configuration of OrtAgent and of PyTorch in a child
/// process, counts the training FLOPs, and turns it all into <see cref="BenchRow"/>s.
/// </summary>
public sealed class BenchRunner(BenchOptions options, BenchWorkspace workspace)
{
    /// <summary>The PyTorch comparison (or <c>--profile</c>): prepares the workspace, measures, prints and writes the JSON.</summary>
    public static int Execute(BenchOptions options)
    {
        var workDirectory = options.WorkFolder;
        var machine = MachineInfo.Current();
        if (MachineInfo.OneMinuteLoad() > 0.75 * machine.LogicalCpus)
        {
            // The advice only where it applies: PyTorch runs and its OpenMP threads still spin.
            var advice = options.RunsPyTorch && options.OmpWaitPolicy is null ? " (PyTorch's OpenMP threads worst: try --omp-wait-policy PASSIVE)" : "";
            AnsiConsole.MarkupLine($"[yellow]Load average {Markup.Escape(machine.LoadAverage)} on {machine.LogicalCpus} CPUs: other work competes for the cores, so timings will be slow and noisy{Markup.Escape(advice)}.[/]");
        }
        AnsiConsole.MarkupLine($"[grey]Preparing artifacts and exports in {Markup.Escape(workDirectory)}…[/]");
        var prepared = BenchWorkspace.Prepare(workDirectory, options.ModelsRoot);
        if (options.Profile)
        {
            TrainingProfiler.Run(prepared, options);
            return 0;
        }
        var runner = new BenchRunner(options, prepared);
        var rows = runner.Run();
        var loadAtEnd = MachineInfo.LoadAverageNow();
        BenchReport.Print(rows, options, machine, loadAtEnd);
        if (options.JsonPath is not null) BenchReport.WriteJson(options.JsonPath, rows, runner, options, machine, loadAtEnd);
        return 0;
    }

    private readonly Dictionary<string, Dictionary<string, double>> _raw = new(StringComparer.Ordinal);

    /// <summary>Every child's numbers by configuration (<c>ortagent train:64</c>, <c>pytorch infer:64</c>…), for the JSON.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, double>> Raw => _raw;

    public Dictionary<string, FlopCount> Flops { get; } = new(StringComparer.Ordinal);

    public List<BenchRow> Run()
    {
        var rows = new List<BenchRow>();
        var weights = workspace.Artifacts.ModelCheckpointPath;
        var ortPeak = Measure("ortagent matmul", () => ChildProcess.RunSelf(options, "matmul", workspace.Directory));
        var torchPeak = Torch($"matmul:{options.MatMulSize}", weights);

        foreach (var s in options.SequenceLengths)
        {
            var ort = Measure($"ortagent train:{s}", () => ChildProcess.RunSelf(options, $"train:{s}", workspace.Directory));
            var torch = Torch($"train:{s}", weights);
            var section = $"Training step, batch {options.BatchSize} × seq {s}";
            rows.Add(new(section, "step time (median)", "ms", ort["ms_per_step"], Get(torch, "ms_per_step"), false));
            rows.Add(new(section, "  forward + backward", "ms", ort["forward_backward_ms"], Get(torch, "forward_backward_ms"), false));
            rows.Add(new(section, "  clip + AdamW", "ms", ort["optimizer_ms"], Get(torch, "optimizer_ms"), false));
            rows.Add(new(section, "throughput", "samples/s", ort["samples_per_s"], Get(torch, "samples_per_s"), true));
            rows.Add(new(section, "peak RSS (own process)", "MiB", ort["peak_rss_mib"], Get(torch, "peak_rss_mib"), false));

            var flops = Measure($"flops train:{s}", () => FlopCounter.Count(workspace.Artifacts.TrainingModelPath, options.BatchSize, s));
            Flops[$"train:{s}"] = flops;
            double ortGflops = flops.MatMulFlops / (ort["ms_per_step"] / 1000) / 1e9;
            double torchGflops = flops.MatMulFlops / (Get(torch, "ms_per_step") / 1000) / 1e9;
            // Without PyTorch (--no-torch) its column stays empty here as in every other row.
            rows.Add(new(section, $"MatMul GFLOP per step ({flops.MatMulNodes} MatMul/Gemm)", "GFLOP", flops.MatMulFlops / 1e9,
                options.SkipTorch ? double.NaN : flops.MatMulFlops / 1e9, true, options.SkipTorch ? "counted from the training graph" : "same count for both"));
            rows.Add(new(section, "achieved MatMul GFLOP/s", "GFLOP/s", ortGflops, torchGflops, true));
            rows.Add(new(section, "  of own engine's MatMul peak", "%", 100 * ortGflops / ortPeak["gflops"], 100 * torchGflops / Get(torchPeak, "gflops"), true,
                "OrtAgent vs ORT peak, PyTorch vs torch peak"));
        }

        Flops["optimizer"] = FlopCounter.Count(workspace.Artifacts.OptimizerModelPath, options.BatchSize, options.SequenceLengths[0]);
        var fp32 = Measure("ortagent infer:fp32", () => ChildProcess.RunSelf(options, "infer:fp32", workspace.Directory));
        var int8 = Measure("ortagent infer:int8", () => ChildProcess.RunSelf(options, "infer:int8", workspace.Directory));
        var torchInfer = options.SequenceLengths.ToDictionary(s => s, s => Torch($"infer:{s}", weights));
        foreach (var (name, ort) in new[] { ("fp32", fp32), ("int8", int8) })
        {
            var section = $"Inference, TextClassifier {name} (PyTorch: fp32 no_grad)";
            foreach (var s in options.SequenceLengths)
                rows.Add(new(section, $"batch {options.BatchSize} × seq {s}", "seq/s", ort[$"seq_per_s_s{s}"], Get(torchInfer[s], $"seq_per_s_s{s}"), true));
            var first = torchInfer[options.SequenceLengths[0]];
            rows.Add(new(section, "batch 1, ~16 tokens, p50", "ms", ort["latency_p50_ms"], Get(first, "latency_p50_ms"), false,
                "OrtAgent includes tokenizing"));
            rows.Add(new(section, "batch 1, ~16 tokens, p99", "ms", ort["latency_p99_ms"], Get(first, "latency_p99_ms"), false));
        }

        var onGpu = options.Device == OrtAgent.Runtime.ExecutionDevice.Cuda;
        var peakSection = onGpu ? $"Float32 MatMul {options.MatMulSize}³ on the GPU" : $"Float32 MatMul {options.MatMulSize}³, {options.Threads} threads";
        rows.Add(new(peakSection, "peak", "GFLOP/s", ortPeak["gflops"], Get(torchPeak, "gflops"), true,
            onGpu ? "ONNX Runtime's CUDA provider vs torch (cuBLAS both)" : "ONNX Runtime (MLAS) vs torch (OpenBLAS)"));
        if (options.EndToEnd) rows.AddRange(Measure("ortagent train (end to end)", () => EndToEndBenchmark.Run(options, workspace.Directory).ToList()));
        return rows;
    }

    private Dictionary<string, double> Torch(string config, string weights)
    {
        if (options.SkipTorch) return [];
        return Measure($"pytorch {config}", () => ChildProcess.RunTorch(options, config, weights, workspace.Directory));
    }

    private static double Get(Dictionary<string, double> values, string key) => values.TryGetValue(key, out var v) ? v : double.NaN;

    private T Measure<T>(string name, Func<T> run)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(DateTime.Now.ToString("HH:mm:ss"))} {Markup.Escape(name)} (load {Markup.Escape(MachineInfo.LoadAverageNow())})[/]");
        var result = run();
        if (result is Dictionary<string, double> numbers) _raw[name] = numbers;
        return result;
    }
}
