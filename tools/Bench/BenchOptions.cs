namespace OrtAgent.Bench;

/// <summary>Command-line settings of one bench run; <see cref="Parse"/> rejects anything it does not know.</summary>
public sealed class BenchOptions
{
    /// <summary>Smoke-test sizes: sequence 16, a few steps and runs, well under a minute.</summary>
    public bool Quick { get; private init; }

    /// <summary>Print ONNX Runtime's per-op-type profile of the training and optimizer graphs instead of the full bench.</summary>
    public bool Profile { get; private init; }

    public string? JsonPath { get; private init; }

    /// <summary>Holds <c>base/minilm/</c> (as <c>ortagent models pull minilm --models-root</c> writes it).</summary>
    public string ModelsRoot { get; private init; } = "models";

    /// <summary>Scratch directory for the generated artifacts and exports; a fresh temporary one when null.</summary>
    public string? WorkDirectory { get; private init; }

    /// <summary>Child mode: run one configuration (<c>train:64</c>, <c>infer:fp32</c>, <c>matmul</c>) and write its JSON to <see cref="OutputPath"/>.</summary>
    public string? Single { get; private init; }

    public string? OutputPath { get; private init; }

    public int Threads { get; private init; } = 2;

    public int BatchSize { get; private init; } = 32;

    public IReadOnlyList<int> SequenceLengths { get; private init; } = [64, 128];

    /// <summary>Timed training steps after the warmup (median reported).</summary>
    public int Steps { get; private init; } = 10;

    public int WarmupSteps { get; private init; } = 2;

    /// <summary>Timed batch-32 inference runs per sequence length.</summary>
    public int InferenceRuns { get; private init; } = 10;

    /// <summary>Batch-1 runs for the latency percentiles.</summary>
    public int LatencyRuns { get; private init; } = 200;

    public int MatMulSize { get; private init; } = 2048;

    public string Python { get; private init; } = "/usr/bin/python3";

    public bool SkipTorch { get; private init; }

    /// <summary>
    /// <c>OMP_WAIT_POLICY</c> for the PyTorch children, or null to leave libgomp's default (spin before sleeping). On a
    /// machine whose cores are shared, spinning OpenMP threads wait on descheduled ones and PyTorch slows several-fold;
    /// <c>PASSIVE</c> avoids that. ONNX Runtime's own thread pool is not affected by this variable.
    /// </summary>
    public string? OmpWaitPolicy { get; private init; }

    /// <summary>Whether this process is a child measuring one configuration.</summary>
    public bool IsChild => Single is not null;

    public static string Usage =>
        "dotnet run -c Release --project tools/Bench -- [--quick] [--profile] [--json out.json] [--models-root DIR] " +
        "[--work DIR] [--threads 2] [--steps 10] [--seq 64,128] [--python /usr/bin/python3] [--omp-wait-policy PASSIVE] [--no-torch]";

    /// <exception cref="ArgumentException">An unknown argument or a bad value; the message names it.</exception>
    public static BenchOptions Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        var options = quick
            ? new BenchOptions { Quick = true, SequenceLengths = [16], Steps = 3, WarmupSteps = 1, InferenceRuns = 3, LatencyRuns = 20, MatMulSize = 512 }
            : new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.TryParse(Next(), out var v) && v > 0 ? v : throw new ArgumentException($"{args[i - 1]} needs a positive integer, got '{args[i]}'");
            options = args[i] switch
            {
                "--quick" => options,
                "--profile" => Copy(options, profile: true),
                "--json" => Copy(options, json: Next()),
                "--models-root" => Copy(options, modelsRoot: Next()),
                "--work" => Copy(options, work: Next()),
                "--single" => Copy(options, single: Next()),
                "--out" => Copy(options, output: Next()),
                "--threads" => Copy(options, threads: NextInt()),
                "--steps" => Copy(options, steps: NextInt()),
                "--seq" => Copy(options, sequences: Next().Split(',').Select(s => int.TryParse(s, out var v) && v > 1 ? v
                    : throw new ArgumentException($"--seq: '{s}' is not a sequence length")).ToArray()),
                "--python" => Copy(options, python: Next()),
                "--no-torch" => Copy(options, skipTorch: true),
                "--omp-wait-policy" => Copy(options, ompWaitPolicy: Next()),
                _ => throw new ArgumentException($"unknown argument '{args[i]}'"),
            };
        }
        return options;
    }

    /// <summary>The arguments a child needs to measure exactly what this run measures.</summary>
    public IEnumerable<string> ChildArguments(string single, string output, string work)
    {
        if (Quick) yield return "--quick";
        foreach (var a in new[] { "--single", single, "--out", output, "--work", work, "--models-root", ModelsRoot,
                     "--threads", Threads.ToString(), "--steps", Steps.ToString(), "--seq", string.Join(',', SequenceLengths) })
            yield return a;
    }

    private static BenchOptions Copy(BenchOptions o, bool? profile = null, string? json = null, string? modelsRoot = null, string? work = null,
        string? single = null, string? output = null, int? threads = null, int? steps = null, int[]? sequences = null,
        string? python = null, bool? skipTorch = null, string? ompWaitPolicy = null) => new()
    {
        Quick = o.Quick,
        Profile = profile ?? o.Profile,
        JsonPath = json ?? o.JsonPath,
        ModelsRoot = modelsRoot ?? o.ModelsRoot,
        WorkDirectory = work ?? o.WorkDirectory,
        Single = single ?? o.Single,
        OutputPath = output ?? o.OutputPath,
        Threads = threads ?? o.Threads,
        BatchSize = o.BatchSize,
        SequenceLengths = sequences ?? o.SequenceLengths,
        Steps = steps ?? o.Steps,
        WarmupSteps = o.WarmupSteps,
        InferenceRuns = o.InferenceRuns,
        LatencyRuns = o.LatencyRuns,
        MatMulSize = o.MatMulSize,
        Python = python ?? o.Python,
        SkipTorch = skipTorch ?? o.SkipTorch,
        OmpWaitPolicy = ompWaitPolicy ?? o.OmpWaitPolicy,
    };
}
