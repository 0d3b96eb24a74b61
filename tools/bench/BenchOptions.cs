namespace OrtAgent.Bench;

/// <summary>Command-line settings of one bench run; <see cref="Parse"/> rejects anything it does not know.</summary>
public sealed record BenchOptions
{
    /// <summary>Smoke-test sizes: sequence 16, a few steps and runs, well under a minute.</summary>
    public bool Quick { get; init; }

    /// <summary>Print ONNX Runtime's per-op-type profile of the training and optimizer graphs instead of the full bench.</summary>
    public bool Profile { get; init; }

    public string? JsonPath { get; init; }

    /// <summary>Holds <c>base/minilm/</c> (as <c>ortagent models pull minilm --models-root</c> writes it).</summary>
    public string ModelsRoot { get; init; } = "models";

    /// <summary>
    /// Scratch directory for the generated artifacts, exports and runs (<c>--work</c>). When null, a fixed folder per mode
    /// under the system's temporary folder (<see cref="WorkFolder"/>), so later runs find and reuse what earlier ones
    /// generated; one bench process at a time may use a folder (<see cref="WorkFolderLock"/>).
    /// </summary>
    public string? WorkDirectory { get; init; }

    /// <summary>
    /// The work folder this run uses, as a full path: <see cref="WorkDirectory"/>, else <c>$TMPDIR/ortagent-learning-curve</c>,
    /// <c>$TMPDIR/ortagent-distill</c> or <c>$TMPDIR/ortagent-bench</c> (the PyTorch comparison and <c>--lora</c>).
    /// </summary>
    public string WorkFolder => Path.GetFullPath(WorkDirectory ?? Path.Combine(Path.GetTempPath(),
        LearningCurve ? "ortagent-learning-curve" : Distill ? "ortagent-distill" : Allocations ? "ortagent-allocations" : "ortagent-bench"));

    /// <summary>
    /// The longest one child process (a measurement, the PyTorch script, an <c>ortagent</c> run) may take before it and
    /// its children are killed (<c>--child-timeout-minutes</c>, 360 by default): far above the longest run the bench makes
    /// (a whole-pool spam run of the learning curve, about an hour on 2 cores), so only a hung child reaches it.
    /// </summary>
    public TimeSpan ChildTimeout { get; init; } = TimeSpan.FromMinutes(360);

    /// <summary>Child mode: run one configuration (<c>train:64</c>, <c>infer:fp32</c>, <c>matmul</c>) and write its JSON to <see cref="OutputPath"/>.</summary>
    public string? Single { get; init; }

    public string? OutputPath { get; init; }

    public int Threads { get; init; } = 2;

    public int BatchSize { get; init; } = 32;

    public IReadOnlyList<int> SequenceLengths { get; init; } = [64, 128];

    /// <summary>Timed training steps after the warmup (median reported).</summary>
    public int Steps { get; init; } = 10;

    public int WarmupSteps { get; init; } = 2;

    /// <summary>Timed batch-32 inference runs per sequence length.</summary>
    public int InferenceRuns { get; init; } = 10;

    /// <summary>Batch-1 runs for the latency percentiles.</summary>
    public int LatencyRuns { get; init; } = 200;

    public int MatMulSize { get; init; } = 2048;

    public string Python { get; init; } = "/usr/bin/python3";

    public bool SkipTorch { get; init; }

    /// <summary>Also time whole <c>ortagent train</c> runs (<see cref="EndToEndBenchmark"/>): about 6 minutes more on 2 cores.</summary>
    public bool EndToEnd { get; init; }

    /// <summary>Where <c>tools/spam/prepare.sh</c> wrote train.csv and test.csv; <c>data/external/spam</c> when null.</summary>
    public string? SpamDirectory { get; init; }

    /// <summary>
    /// <c>OMP_WAIT_POLICY</c> for the PyTorch children, or null to leave libgomp's default (spin before sleeping). On a
    /// machine whose cores are shared, spinning OpenMP threads wait on descheduled ones and PyTorch slows several-fold;
    /// <c>PASSIVE</c> avoids that. ONNX Runtime's own thread pool is not affected by this variable.
    /// </summary>
    public string? OmpWaitPolicy { get; init; }

    /// <summary>
    /// Measure learning curves instead (<see cref="LearningCurveBenchmark"/>): test accuracy of standard and contrastive
    /// training against examples per class, several seeds each.
    /// </summary>
    public bool LearningCurve { get; init; }

    /// <summary>LoRA next to full fine-tuning (<see cref="LoraBenchmark"/>) instead of the PyTorch comparison.</summary>
    public bool Lora { get; init; }

    /// <summary>Managed bytes allocated per unit of work on the hot paths (<see cref="AllocationBenchmark"/>) instead of the PyTorch comparison.</summary>
    public bool Allocations { get; init; }

    public int LoraRank { get; init; } = 8;

    /// <summary>A/B pairs of training-step children (full, LoRA) in the LoRA comparison.</summary>
    public int LoraPairs { get; init; } = 3;

    /// <summary>A SpamAssassin split (train.csv, test.csv) for one whole LoRA run; null skips it.</summary>
    public string? LoraSpamDirectory { get; init; }

    public double LoraLearningRate { get; init; } = 5e-4;

    /// <summary>Data sets of the learning curve: <c>reviews</c> (the embedded sample, a test part held out) and <c>spam</c> (the mixed split).</summary>
    public IReadOnlyList<string> CurveData { get; init; } = ["reviews", "spam"];

    /// <summary>Training examples per class on the curve; 0 is the whole training pool.</summary>
    public IReadOnlyList<int> CurvePerClass { get; init; } = [8, 16, 32, 64, 256, 0];

    /// <summary>Seeds per setting (1…N): each draws its own sample, split, initialisation and pairs.</summary>
    public int CurveSeeds { get; init; } = 5;

    /// <summary>The first seed run (<c>--first-seed</c>): seeds FirstSeed…<see cref="CurveSeeds"/>, so two processes can share the seeds of one curve.</summary>
    public int CurveFirstSeed { get; init; } = 1;

    /// <summary>
    /// Samples held fixed (<c>--sample-seeds 1,2,3</c>): each n is drawn once per listed seed and every training seed
    /// trains on each, so the spread over training seeds is measured apart from the draw's. Empty: each seed draws its own.
    /// </summary>
    public IReadOnlyList<int> CurveSampleSeeds { get; init; } = [];

    /// <summary>
    /// Curve JSON files to combine instead of training (<c>--merge a.json,b.json</c>): their runs summarised together
    /// into <see cref="JsonPath"/>, with the table and a PNG per data set, as if one process had measured them.
    /// </summary>
    public IReadOnlyList<string> CurveMerge { get; init; } = [];

    /// <summary>
    /// Training methods compared (<c>train --method</c>), and the variants of standard fine-tuning that the small-data
    /// defaults are judged against (<see cref="LearningCurveBenchmark.MethodArguments"/>).
    /// </summary>
    public IReadOnlyList<string> CurveMethods { get; init; } = ["standard", "contrastive"];

    /// <summary>Contrastive pair budget per run: pair rounds fall below SetFit's 20 when 2 × rounds × examples would exceed it.</summary>
    public int CurveMaxPairs { get; init; } = 5120;

    /// <summary>More <c>train</c> arguments for every run of <c>--learning-curve</c> (<c>--base arctic-xs</c>), after the method's own.</summary>
    public IReadOnlyList<string> CurveArguments { get; init; } = [];

    /// <summary>
    /// Measure distillation instead (<see cref="DistillationBenchmark"/>): a teacher per data set of <see cref="CurveData"/>,
    /// students of <see cref="DistillLayers"/> layers with and without the teacher, test accuracy and inference speed.
    /// </summary>
    public bool Distill { get; init; }

    /// <summary>Student sizes (encoder layers) of <c>--distill</c>.</summary>
    public IReadOnlyList<int> DistillLayers { get; init; } = [3, 2];

    /// <summary>α of the distilled students of <c>--distill</c> (their controls use 0).</summary>
    public double DistillAlpha { get; init; } = 0.5;

    /// <summary>More <c>distill</c> arguments for every student and control of <c>--distill</c> (<c>--epochs 8 --lr 1e-4</c>).</summary>
    public IReadOnlyList<string> DistillArguments { get; init; } = [];

    /// <summary>Alternating speed rounds of <c>--distill</c> (each: 3 batch-32 runs and 40 batch-1 runs per model).</summary>
    public int DistillSpeedRounds { get; init; } = 6;

    /// <summary>Where OrtAgent's sessions run: <c>cpu</c>, or <c>cuda</c> with the <c>-p:OrtAgentDevice=cuda</c> build (tools/gpu).</summary>
    public OrtAgent.Runtime.ExecutionDevice Device { get; init; } = OrtAgent.Runtime.ExecutionDevice.Cpu;

    /// <summary>Session settings for OrtAgent's runs: this device and thread count.</summary>
    public OrtAgent.Runtime.OrtSessionSettings SessionSettings => new() { Device = Device, IntraOpThreads = Threads };

    /// <summary><c>--help</c>: print <see cref="HelpText"/> and run nothing.</summary>
    public bool Help { get; init; }

    /// <summary>
    /// Whether this run starts PyTorch children: the comparison (not <c>--profile</c>, and not the modes that measure
    /// OrtAgent alone) without <c>--no-torch</c>.
    /// </summary>
    public bool RunsPyTorch => !SkipTorch && !Profile && !LearningCurve && !Distill && !Lora && !Allocations && !IsChild;

    /// <summary>Whether this process is a child measuring one configuration.</summary>
    public bool IsChild => Single is not null;

    public static string Usage =>
        "dotnet run -c Release --project tools/bench -- [--quick] [--profile] [--json out.json] [--models-root DIR] " +
        "[--help] [--work DIR] [--threads 2] [--steps 10] [--seq 64,128] [--python /usr/bin/python3] [--omp-wait-policy PASSIVE] [--no-torch] [--device cpu|cuda] " +
        "[--end-to-end [--spam-dir data/external/spam]] [--child-timeout-minutes 360] " +
        "| --lora [--lora-rank 8] [--pairs 3] [--seq 128] [--steps 10] [--lora-spam DIR [--lora-lr 5e-4]] [--json out.json] [--work DIR] " +
        "| --learning-curve [--curve-data reviews,spam] [--per-class 8,16,32,64,256,all] [--seeds 5] [--first-seed 1] [--sample-seeds 1,2,3] [--merge a.json,b.json] [--methods standard,contrastive,standard-choose,standard-plain,contrastive-before,standard-no-holdout,contrastive-no-holdout,contrastive-then-standard,contrastive-chunks,standard-chunks] [--max-pairs 5120] [--curve-args \"--base arctic-xs ...\"] [--json out.json] [--work DIR] " +
        "| --distill [--curve-data reviews,spam] [--distill-layers 3,2] [--distill-alpha 0.5] [--distill-args \"--epochs 8 ...\"] [--speed-rounds 6] [--spam-dir DIR] [--json out.json] [--work DIR] " +
        "| --allocations [--models-root DIR] [--threads 2] [--json out.json] [--work DIR]";

    /// <summary><see cref="Usage"/> for <c>--help</c>: one mode a line.</summary>
    public static string HelpText => "usage: " + Usage.Replace(" | ", "\n     | ", StringComparison.Ordinal)
        + "\nSee tools/bench/README.md for what each mode measures.";

    /// <exception cref="BenchUsageException">An unknown argument, a bad value or a contradiction; the message names it.</exception>
    public static BenchOptions Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        var options = quick
            ? new BenchOptions { Quick = true, SequenceLengths = [16], Steps = 3, WarmupSteps = 1, InferenceRuns = 3, LatencyRuns = 20, MatMulSize = 512 }
            : new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new BenchUsageException($"{args[i]} needs a value");
            int NextInt() => int.TryParse(Next(), out var v) && v > 0 ? v : throw new BenchUsageException($"{args[i - 1]} needs a positive integer, got '{args[i]}'");
            // A quoted run of CLI arguments ("--epochs 8 --lr 1e-4"), passed on word by word.
            string[] NextArguments() => Next().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            options = args[i] switch
            {
                "--quick" => options,
                "--help" or "-h" => options with { Help = true },
                "--profile" => options with { Profile = true },
                "--json" => options with { JsonPath = Next() },
                "--models-root" => options with { ModelsRoot = Next() },
                "--work" => options with { WorkDirectory = Next() },
                "--single" => options with { Single = Next() },
                "--out" => options with { OutputPath = Next() },
                "--threads" => options with { Threads = NextInt() },
                "--steps" => options with { Steps = NextInt() },
                "--seq" => options with { SequenceLengths = Next().Split(',').Select(s => int.TryParse(s, out var v) && v > 1 ? v
                    : throw new BenchUsageException($"--seq: '{s}' is not a sequence length")).ToArray() },
                "--python" => options with { Python = Next() },
                "--no-torch" => options with { SkipTorch = true },
                "--end-to-end" => options with { EndToEnd = true },
                "--spam-dir" => options with { SpamDirectory = Next() },
                "--omp-wait-policy" => options with { OmpWaitPolicy = Next() },
                "--learning-curve" => options with { LearningCurve = true },
                "--lora" => options with { Lora = true },
                "--allocations" => options with { Allocations = true },
                "--lora-rank" => options with { LoraRank = NextInt() },
                "--pairs" => options with { LoraPairs = NextInt() },
                "--lora-spam" => options with { LoraSpamDirectory = Next() },
                "--lora-lr" => options with { LoraLearningRate = double.TryParse(Next(), System.Globalization.CultureInfo.InvariantCulture, out var lr) && lr > 0 ? lr
                    : throw new BenchUsageException($"--lora-lr: '{args[i]}' is not a positive number") },
                "--curve-data" => options with { CurveData = Next().Split(',').Select(d => LearningCurveBenchmark.DataSets.Contains(d) ? d
                    : throw new BenchUsageException($"--curve-data: unknown data set '{d}' ({string.Join(", ", LearningCurveBenchmark.DataSets)})")).ToArray() },
                "--per-class" => options with { CurvePerClass = Next().Split(',').Select(s => s == "all" ? 0 : int.TryParse(s, out var v) && v > 0 ? v
                    : throw new BenchUsageException($"--per-class: '{s}' is not a positive count or 'all'")).ToArray() },
                "--seeds" => options with { CurveSeeds = NextInt() },
                "--first-seed" => options with { CurveFirstSeed = NextInt() },
                "--sample-seeds" => options with { CurveSampleSeeds = Next().Split(',').Select(s => int.TryParse(s, out var v) && v >= 0 ? v
                    : throw new BenchUsageException($"--sample-seeds: '{s}' is not a seed (a whole number ≥ 0)")).ToArray() },
                "--merge" => options with { CurveMerge = Next().Split(',') },
                "--methods" => options with { CurveMethods = Next().Split(',').Select(m => LearningCurveBenchmark.MethodArguments.ContainsKey(m) ? m
                    : throw new BenchUsageException($"--methods: '{m}' is not one of {string.Join(", ", LearningCurveBenchmark.MethodArguments.Keys)}")).ToArray() },
                "--max-pairs" => options with { CurveMaxPairs = NextInt() },
                "--curve-args" => options with { CurveArguments = NextArguments() },
                "--distill" => options with { Distill = true },
                "--distill-layers" => options with { DistillLayers = Next().Split(',').Select(s => int.TryParse(s, out var v) && v > 0 ? v
                    : throw new BenchUsageException($"--distill-layers: '{s}' is not a positive layer count")).ToArray() },
                "--speed-rounds" => options with { DistillSpeedRounds = NextInt() },
                "--distill-alpha" => options with { DistillAlpha = double.TryParse(Next(), System.Globalization.CultureInfo.InvariantCulture, out var a) && a is >= 0 and <= 1 ? a
                    : throw new BenchUsageException($"--distill-alpha: '{args[i]}' is not in [0, 1]") },
                "--distill-args" => options with { DistillArguments = NextArguments() },
                "--child-timeout-minutes" => options with { ChildTimeout = ChildTimeoutOf(NextInt()) },
                "--device" => options with { Device = Next() switch { "cpu" => OrtAgent.Runtime.ExecutionDevice.Cpu, "cuda" => OrtAgent.Runtime.ExecutionDevice.Cuda, var d => throw new BenchUsageException($"--device: '{d}' is not cpu or cuda") } },
                _ => throw new BenchUsageException($"unknown argument '{args[i]}'"),
            };
        }
        if (options.Help) return options;
        // Seeds run FirstSeed…Seeds: a first seed past the last would run nothing and write an empty curve.
        if (options.CurveFirstSeed > options.CurveSeeds)
            throw new BenchUsageException($"--first-seed {options.CurveFirstSeed} is past the last seed, --seeds {options.CurveSeeds}: seeds {options.CurveFirstSeed}…{options.CurveSeeds} would run nothing");
        return options;
    }

    /// <summary>
    /// The options of every <c>ortagent</c> command the bench starts, as a user running it on this machine would give them:
    /// <c>--threads</c> and <c>--device</c>, and for <c>train</c>, which pulls and reads its base model there,
    /// <c>--models-root</c>. Built once here: each mode built its own, and only <c>--distill</c> passed the models root
    /// on, so the other modes trained from <c>./models</c> whatever the bench was told. An option that
    /// <paramref name="given"/> already holds (<c>--curve-args</c>) is left to it, as the CLI takes each option once.
    /// </summary>
    public string[] CliArguments(string command, IReadOnlyCollection<string>? given = null)
    {
        string[] pairs = ["--threads", Invariant(Threads), "--device", DeviceName, .. command == "train" ? ["--models-root", ModelsRoot] : Array.Empty<string>()];
        return pairs.Chunk(2).Where(pair => given?.Contains(pair[0]) != true).SelectMany(pair => pair).ToArray();
    }

    /// <summary><see cref="Device"/> as <c>--device</c> spells it.</summary>
    public string DeviceName => Device == OrtAgent.Runtime.ExecutionDevice.Cuda ? "cuda" : "cpu";

    /// <summary>The arguments a child needs to measure exactly what this run measures.</summary>
    public IEnumerable<string> ChildArguments(string single, string output, string work)
    {
        if (Quick) yield return "--quick";
        foreach (var a in new[] { "--single", single, "--out", output, "--work", work, "--models-root", ModelsRoot,
                     "--threads", Invariant(Threads), "--steps", Invariant(Steps), "--seq", string.Join(',', SequenceLengths.Select(Invariant)),
                     "--device", DeviceName })
            yield return a;
    }

    // Process.WaitForExit takes at most int.MaxValue ms (24.8 days); a week is past any run the bench makes.
    private static TimeSpan ChildTimeoutOf(int minutes) => minutes <= 7 * 24 * 60 ? TimeSpan.FromMinutes(minutes)
        : throw new BenchUsageException($"--child-timeout-minutes: {minutes} is more than a week (10080)");

    /// <summary>A number as a child process parses it, whatever this process's culture.</summary>
    public static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
