using System.Globalization;
using System.Text.Json;

namespace OrtAgent.Bench;

/// <summary>
/// Test accuracy against training-set size (<c>--learning-curve</c>): for each data set, n examples per class drawn
/// from a training pool with each seed (and the whole pool), each method trained by the CLI as a user would
/// (<c>ortagent train --method M --seed S</c>, defaults otherwise, the validation split held out of the n), scored by
/// <c>ortagent eval --json</c> on a test part no run ever sees. Reports mean ± sd accuracy and train wall time per
/// setting, as JSON, a Markdown table, and a PNG per data set beside the JSON.
/// </summary>
public static class LearningCurveBenchmark
{
    /// <summary>One data set: a training pool and a fixed test file.</summary>
    internal sealed record CurveData(string Name, CsvTable Pool, string TestPath, string[] ExtraTrainArguments);

    /// <summary>
    /// One train + eval run; <see cref="PerClass"/> 0 is the whole training pool. <see cref="SampleSeed"/> is the seed the
    /// sample was drawn with when it was held fixed (<c>--sample-seeds</c>), or null when <see cref="Seed"/> drew it too.
    /// </summary>
    public sealed record Run(string Data, string Method, int PerClass, int Seed, int Examples, int PairRounds, double Accuracy, double TrainSeconds,
        int? SampleSeed = null);

    /// <summary>The runs of one (data, method, n, fixed sample or none) setting, summarised.</summary>
    public sealed record Setting(string Data, string Method, int PerClass, int Examples, double MeanAccuracy, double SdAccuracy, double MeanSeconds, int Runs,
        int? SampleSeed = null);

    /// <summary>
    /// The spread of one (data, method, n) over training seeds on fixed samples: the seeds' sd within a sample, pooled
    /// over the samples, which is what a user with one labelled set sees; and the sd of the samples' means, which is
    /// the draw's share.
    /// </summary>
    public sealed record SeedSpread(string Data, string Method, int PerClass, int Examples, int Samples, int Runs, double PooledSeedSd, double SdOfSampleMeans);

    /// <summary>
    /// One method against the baseline in one (data, n) setting, over the seeds both ran: each seed draws the same
    /// sample for every method, so the per-seed differences leave out the spread that comes from the draw.
    /// </summary>
    public sealed record PairedComparison(string Data, int PerClass, int Examples, string Method, string Baseline, double MeanDifference,
        double SdDifference, double StandardError, int Wins, int Ties, int Losses, int Seeds, int? SampleSeed = null);

    /// <summary>The method every other one is compared with, seed by seed, when a curve has it.</summary>
    public const string Baseline = "standard";

    public static int Execute(BenchOptions options)
    {
        var work = options.WorkFolder;
        Directory.CreateDirectory(work);
        var jsonPath = Path.GetFullPath(options.JsonPath ?? Path.Combine(work, "learning-curve.json"));
        var runs = new List<Run>();
        if (options.CurveMerge.Count > 0)
        {
            var merged = new List<Run>();
            foreach (var file in options.CurveMerge)
            {
                try
                {
                    merged.AddRange(ReadRuns(file));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    Console.Error.WriteLine($"bench: --merge: {file} is not a learning-curve JSON this bench wrote: {ex.Message}");
                    return 2;
                }
            }
            // A run counted twice would weigh its seed double in the means and pair it twice.
            if (merged.GroupBy(r => (r.Data, r.Method, r.PerClass, r.Seed, r.SampleSeed)).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                Console.Error.WriteLine($"bench: --merge: {twice.Key.Data} {twice.Key.Method} n={Describe(twice.Key.PerClass, twice.First().Examples, twice.Key.SampleSeed)} seed {twice.Key.Seed} is in more than one run of {string.Join(", ", options.CurveMerge)}");
                return 2;
            }
            return Report(options, jsonPath, merged);
        }
        foreach (var data in LoadData(options, work))
        {
            var byLabel = ByLabel(data.Pool);
            int smallest = byLabel.Values.Min(v => v.Count);
            foreach (int perClass in options.CurvePerClass.Distinct().OrderBy(CurveOrder))
            {
                if (perClass > smallest)
                {
                    Console.WriteLine($"{data.Name}: n = {perClass} per class skipped: the smallest class of the pool has {smallest}");
                    continue;
                }
                // Without --sample-seeds each seed draws its own sample (null); with them, every seed trains on each fixed one.
                int?[] sampleSeeds = perClass == 0 || options.CurveSampleSeeds.Count == 0 ? [null] : [.. options.CurveSampleSeeds.Select(s => (int?)s)];
                var seeds = Enumerable.Range(options.CurveFirstSeed, Math.Max(0, options.CurveSeeds - options.CurveFirstSeed + 1));
                foreach (var (sampleSeed, seed) in sampleSeeds.SelectMany(sampleSeed => seeds.Select(seed => (sampleSeed, seed))))
                {
                    var sample = Path.Combine(work, $"{data.Name}-{perClass}-{sampleSeed ?? seed}.csv");
                    var rows = perClass == 0 ? data.Pool.Rows : Sample(byLabel, perClass, sampleSeed ?? seed).ToList();
                    data.Pool.Write(sample, rows);
                    foreach (var method in options.CurveMethods)
                    {
                        var run = TrainAndScore(options, data, work, sample, method, perClass, seed, rows.Count) with { SampleSeed = sampleSeed };
                        runs.Add(run);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{run.Data} {run.Method} n={Describe(run.PerClass, run.Examples, run.SampleSeed)} seed {run.Seed}: test accuracy {run.Accuracy:P2}, train {run.TrainSeconds:F0} s"));
                        Write(jsonPath, options, runs); // after every run, so an interrupted curve keeps what it measured
                    }
                }
            }
        }
        return Report(options, jsonPath, runs);
    }

    /// <summary>Writes the JSON, prints the table and draws a PNG per data set beside the JSON.</summary>
    private static int Report(BenchOptions options, string jsonPath, IReadOnlyList<Run> runs)
    {
        var settings = Summarise(runs);
        var paired = Compare(runs);
        var spreads = Spread(runs);
        Write(jsonPath, options, runs, settings, paired, spreads);
        Console.WriteLine();
        Console.WriteLine(Table(settings));
        if (paired.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine(PairedTable(paired));
        }
        if (spreads.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine(SpreadTable(spreads));
        }
        // The chart draws the curve of drawn samples; fixed-sample settings are a study of one n, in the tables.
        foreach (var group in settings.Where(s => s.SampleSeed is null).GroupBy(s => s.Data))
        {
            var png = Path.ChangeExtension(jsonPath, null) + $"-{group.Key}.png";
            LearningCurveChart.Save(png, group.Key, group.ToList());
            Console.WriteLine($"wrote {png}");
        }
        Console.WriteLine($"wrote {jsonPath}");
        return 0;
    }

    /// <summary>The names <c>--curve-data</c> takes (checked by <see cref="BenchOptions.Parse"/>).</summary>
    public static readonly IReadOnlyList<string> DataSets = ["reviews", "spam"];

    /// <summary>The data sets of <see cref="BenchOptions.CurveData"/>: their training pools and test files (also <c>--distill</c>'s).</summary>
    internal static IEnumerable<CurveData> LoadData(BenchOptions options, string work)
    {
        var root = RepositoryRoot.Find();
        foreach (var name in options.CurveData)
        {
            if (name == "reviews")
            {
                // The embedded reviews, split once (seed 0, stratified): 50 per class for testing, the rest the pool.
                var all = CsvTable.Read(Path.Combine(root, "data", "reviews.csv"));
                var test = new List<string[]>();
                var pool = new List<string[]>();
                foreach (var rows in ByLabel(all).Values)
                {
                    var shuffled = rows.ToArray();
                    new Random(0).Shuffle(shuffled);
                    test.AddRange(shuffled.Take(50));
                    pool.AddRange(shuffled.Skip(50));
                }
                var testPath = Path.Combine(work, "reviews-test.csv");
                all.Write(testPath, test);
                yield return new CurveData("reviews", new CsvTable(all.Header, pool), testPath, []);
            }
            else if (name == "spam")
            {
                var spam = Path.GetFullPath(options.SpamDirectory ?? Path.Combine(root, "data", "external", "spam", "mixed"));
                if (!File.Exists(Path.Combine(spam, "train.csv")) || !File.Exists(Path.Combine(spam, "test.csv")))
                {
                    Console.WriteLine($"spam: no train.csv/test.csv in {spam} (run tools/spam/prepare.sh --split mixed); skipped");
                    continue;
                }
                yield return new CurveData("spam", CsvTable.Read(Path.Combine(spam, "train.csv")), Path.Combine(spam, "test.csv"), ["--max-length", "128"]);
            }
            else throw new System.Diagnostics.UnreachableException($"--curve-data '{name}' passed BenchOptions.Parse");
        }
    }

    private static Dictionary<string, List<string[]>> ByLabel(CsvTable table)
    {
        int label = table.Column("label");
        return table.Rows.GroupBy(r => r[label]).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList());
    }

    /// <summary><paramref name="perClass"/> rows of every label, drawn with <paramref name="seed"/>.</summary>
    private static IEnumerable<string[]> Sample(Dictionary<string, List<string[]>> byLabel, int perClass, int seed)
    {
        var random = new Random(seed);
        var chosen = new List<string[]>();
        foreach (var rows in byLabel.Values)
        {
            var shuffled = rows.ToArray();
            random.Shuffle(shuffled);
            chosen.AddRange(shuffled.Take(perClass));
        }
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(chosen));
        return chosen;
    }

    /// <summary>
    /// The methods a curve can compare and the <c>train</c> arguments of each: the CLI's two methods with their defaults,
    /// standard fine-tuning that chooses its model even on a tiny validation set (the default before
    /// <c>--min-validation</c>), standard fine-tuning without any small-data default, and contrastive training without
    /// its own (the rounds not raised to reach <c>--min-steps</c>, C chosen on any validation split); and both methods
    /// with no hold-out at all, every text of the n training (the validation split only reported, choosing nothing).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> MethodArguments = new Dictionary<string, string[]>
    {
        ["standard"] = ["--method", "standard"],
        ["contrastive"] = ["--method", "contrastive"],
        ["standard-choose"] = ["--method", "standard", "--min-validation", "0"],
        ["standard-plain"] = ["--method", "standard", "--min-steps", "0", "--eval-window", "1", "--min-validation", "0"],
        ["contrastive-before"] = ["--method", "contrastive", "--min-steps", "0", "--min-validation", "0"],
        [StandardNoHoldOut] = ["--method", "standard", "--min-validation", int.MaxValue.ToString(CultureInfo.InvariantCulture)],
        [ContrastiveNoHoldOut] = ["--method", "contrastive", "--min-validation", int.MaxValue.ToString(CultureInfo.InvariantCulture)],
        [ContrastiveThenStandard] = ["--method", "contrastive"],
        [ContrastiveChunks] = ["--method", "contrastive"],
        [StandardChunks] = ["--method", "standard"],
    };

    // Long texts cut into windows, every window a training row of its own with its text's label (up to MaxChunks of
    // ChunkWords words each, about 128 WordPiece tokens of mail), so 32 labelled mails train on more of what they say;
    // the test texts stay whole, read to their first max-length tokens as always. The validation split is drawn from
    // the windows, so under --min-validation it is only reported.
    private const string ContrastiveChunks = "contrastive-chunks";
    private const string StandardChunks = "standard-chunks";
    private const int ChunkWords = 80, MaxChunks = 4;

    /// <summary>Writes <paramref name="sample"/> cut into windows beside it; returns the new file and its row count.</summary>
    private static (string Path, int Rows) Chunked(string sample)
    {
        var table = CsvTable.Read(sample);
        int text = table.Column("text");
        var rows = new List<string[]>();
        foreach (var row in table.Rows)
        {
            var words = row[text].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            for (int chunk = 0; chunk < MaxChunks && chunk * ChunkWords < Math.Max(1, words.Length); chunk++)
            {
                var window = (string[])row.Clone();
                window[text] = string.Join(' ', words.Skip(chunk * ChunkWords).Take(ChunkWords));
                rows.Add(window);
            }
        }
        var path = Path.ChangeExtension(sample, ".chunks.csv");
        table.Write(path, rows);
        return (path, rows.Count);
    }

    // SetFit's end-to-end variant: the contrastive model, then standard fine-tuning of encoder and head together from it
    // (train --init-from keeps its normalised embeddings), with the standard method's defaults; the seed draws both.
    private const string ContrastiveThenStandard = "contrastive-then-standard";

    // Every text of the sample trains: the validation file is a copy of it, so nothing is held out, and a --min-validation
    // no set reaches lets it choose nothing (the last model is kept, C is chosen by cross-validation), so it is only reported.
    private const string StandardNoHoldOut = "standard-no-holdout";
    private const string ContrastiveNoHoldOut = "contrastive-no-holdout";

    private static Run TrainAndScore(BenchOptions options, CurveData data, string work, string sample, string method, int perClass, int seed, int examples)
    {
        var model = Path.Combine(work, "model");
        var artifacts = Path.Combine(work, "artifacts");
        int trainingRows = examples;
        if (method is ContrastiveChunks or StandardChunks)
        {
            (sample, trainingRows) = Chunked(sample);
            Console.WriteLine($"{data.Name}: {examples} texts cut into {trainingRows} windows");
        }
        // 20 rounds (SetFit's default) while that keeps stage 1 within MaxPairs; fewer for larger sets. Windows take the
        // pairs (so the steps) their whole texts would have had; --min-steps raises them if fewer.
        int rounds = Math.Clamp(Math.Min(options.CurveMaxPairs / (2 * trainingRows), 20 * examples / trainingRows), 1, 20);
        bool contrastive = method.StartsWith("contrastive", StringComparison.Ordinal);
        string[] methodArguments = contrastive
            ? [.. MethodArguments[method], "--pair-rounds", rounds.ToString(CultureInfo.InvariantCulture)]
            : MethodArguments[method];
        if (method is StandardNoHoldOut or ContrastiveNoHoldOut)
        {
            var copy = Path.ChangeExtension(sample, ".validation.csv");
            File.Copy(sample, copy, overwrite: true);
            methodArguments = [.. methodArguments, "--validation", copy];
        }
        // --curve-args may set what the data set does (--max-length 256 for spam): the CLI takes an option once.
        string[] dataArguments = data.ExtraTrainArguments.Chunk(2).Where(pair => !options.CurveArguments.Contains(pair[0])).SelectMany(pair => pair).ToArray();
        var train = OrtAgentCli.Run(["train", "--data", sample, "--seed", seed.ToString(CultureInfo.InvariantCulture),
            "--output", model, "--artifacts-root", artifacts, .. options.CliArguments("train", options.CurveArguments),
            .. methodArguments, .. dataArguments, .. options.CurveArguments], options.ChildTimeout);
        double seconds = train.Seconds;
        if (method == ContrastiveThenStandard)
        {
            var contrastiveModel = model + "-contrastive";
            Directory.Move(model, contrastiveModel);
            // The same data arguments and --curve-args as the first stage: a --base or --max-length given there holds for the whole method.
            var then = OrtAgentCli.Run(["train", "--data", sample, "--seed", seed.ToString(CultureInfo.InvariantCulture), "--init-from", contrastiveModel,
                "--output", model, "--artifacts-root", artifacts, .. options.CliArguments("train", options.CurveArguments),
                "--method", "standard", .. dataArguments, .. options.CurveArguments], options.ChildTimeout);
            seconds += then.Seconds;
            Directory.Delete(contrastiveModel, recursive: true);
        }
        var eval = OrtAgentCli.Run(["eval", "--model", model, "--data", data.TestPath, "--json", .. options.CliArguments("eval")], options.ChildTimeout);
        using var report = JsonDocument.Parse(eval.Stdout.Trim().Split('\n')[^1]);
        Directory.Delete(model, recursive: true);
        Directory.Delete(artifacts, recursive: true);
        return new Run(data.Name, method, perClass, seed, examples, contrastive ? rounds : 0,
            report.RootElement.GetProperty("accuracy").GetDouble(), seconds);
    }

    /// <summary>The runs recorded in a curve JSON file this benchmark wrote.</summary>
    private static IEnumerable<Run> ReadRuns(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runs").Deserialize<Run[]>(JsonOptions)!;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static IReadOnlyList<Setting> Summarise(IEnumerable<Run> runs) =>
        runs.GroupBy(r => (r.Data, r.Method, r.PerClass, r.SampleSeed))
            .Select(g =>
            {
                var accuracy = g.Select(r => r.Accuracy).ToArray();
                return new Setting(g.Key.Data, g.Key.Method, g.Key.PerClass, g.First().Examples, accuracy.Average(), SampleSd(accuracy),
                    g.Average(r => r.TrainSeconds), accuracy.Length, g.Key.SampleSeed);
            })
            .OrderBy(s => s.Data).ThenBy(s => CurveOrder(s.PerClass)).ThenBy(s => s.SampleSeed ?? -1).ThenBy(s => s.Method)
            .ToList();

    /// <summary>
    /// For every (data, method, n) trained on fixed samples, the seeds' sd within a sample pooled over the samples
    /// (each sample's variance weighted by its seeds − 1), and the sd of the samples' means.
    /// </summary>
    public static IReadOnlyList<SeedSpread> Spread(IEnumerable<Run> runs) =>
        runs.Where(r => r.SampleSeed is not null)
            .GroupBy(r => (r.Data, r.Method, r.PerClass))
            .Select(g =>
            {
                var samples = g.GroupBy(r => r.SampleSeed).Select(s => s.Select(r => r.Accuracy).ToArray()).ToList();
                int degrees = samples.Sum(s => s.Length - 1);
                double pooled = degrees > 0 ? Math.Sqrt(samples.Sum(s => Math.Pow(SampleSd(s), 2) * (s.Length - 1)) / degrees) : 0;
                return new SeedSpread(g.Key.Data, g.Key.Method, g.Key.PerClass, g.First().Examples, samples.Count, g.Count(), pooled,
                    SampleSd(samples.Select(s => s.Average()).ToArray()));
            })
            .OrderBy(s => s.Data).ThenBy(s => CurveOrder(s.PerClass)).ThenBy(s => s.Method)
            .ToList();

    /// <summary>The fixed-sample spreads as a Markdown table.</summary>
    public static string SpreadTable(IReadOnlyList<SeedSpread> spreads) => string.Join('\n',
    [
        "| data | n per class | method | samples | runs | sd over seeds, within a sample (pooled) | sd of the samples' means |",
        "|---|---|---|---|---|---|---|",
        .. spreads.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"| {s.Data} | {Describe(s.PerClass, s.Examples)} | {s.Method} | {s.Samples} | {s.Runs} | {Sd(s.PooledSeedSd, s.Runs - s.Samples + 1)} | {Sd(s.SdOfSampleMeans, s.Samples)} |")),
    ]);

    /// <summary>Sample standard deviation (n − 1), as the seeds are a sample of the possible draws; 0 for one value.</summary>
    private static double SampleSd(IReadOnlyCollection<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>Every method against <see cref="Baseline"/>, seed by seed, where both ran a setting with at least one common seed.</summary>
    public static IReadOnlyList<PairedComparison> Compare(IEnumerable<Run> runs) =>
        runs.GroupBy(r => (r.Data, r.PerClass, r.SampleSeed))
            .SelectMany(setting =>
            {
                var baseline = setting.Where(r => r.Method == Baseline).ToDictionary(r => r.Seed, r => r.Accuracy);
                return setting.Where(r => r.Method != Baseline).GroupBy(r => r.Method).Select(method =>
                {
                    var differences = method.Where(r => baseline.ContainsKey(r.Seed)).Select(r => r.Accuracy - baseline[r.Seed]).ToArray();
                    double sd = SampleSd(differences);
                    return new PairedComparison(setting.Key.Data, setting.Key.PerClass, setting.First().Examples, method.Key, Baseline,
                        differences.Length > 0 ? differences.Average() : 0, sd, differences.Length > 0 ? sd / Math.Sqrt(differences.Length) : 0,
                        differences.Count(d => d > 0), differences.Count(d => d == 0), differences.Count(d => d < 0), differences.Length, setting.Key.SampleSeed);
                });
            })
            .Where(p => p.Seeds > 0)
            .OrderBy(p => p.Data).ThenBy(p => CurveOrder(p.PerClass)).ThenBy(p => p.SampleSeed ?? -1).ThenBy(p => p.Method)
            .ToList();

    /// <summary>The paired comparisons as a Markdown table.</summary>
    public static string PairedTable(IReadOnlyList<PairedComparison> paired) => string.Join('\n',
    [
        $"| data | n per class | method | lead over {Baseline}, per seed (mean ± sd) | standard error | wins / ties / losses | seeds |",
        "|---|---|---|---|---|---|---|",
        .. paired.Select(p => string.Create(CultureInfo.InvariantCulture,
            $"| {p.Data} | {Describe(p.PerClass, p.Examples, p.SampleSeed)} | {p.Method} | {100 * p.MeanDifference:+0.0;-0.0;0.0} ± {Sd(p.SdDifference, p.Seeds)} | {(p.Seeds > 1 ? (100 * p.StandardError).ToString("F2", CultureInfo.InvariantCulture) : "–")} | {p.Wins} / {p.Ties} / {p.Losses} | {p.Seeds} |")),
    ]);

    /// <summary>The settings as a Markdown table: one row per data set and n, one column pair per method.</summary>
    public static string Table(IReadOnlyList<Setting> settings)
    {
        var methods = settings.Select(s => s.Method).Distinct().ToList();
        var lines = new List<string>
        {
            "| data | n per class | " + string.Join(" | ", methods.Select(m => $"{m}: test accuracy (mean ± sd) | {m}: train wall")) + " | seeds |",
            "|---|---|" + string.Concat(methods.Select(_ => "---|---|")) + "---|",
        };
        foreach (var row in settings.GroupBy(s => (s.Data, s.PerClass, s.SampleSeed)))
        {
            var cells = methods.Select(m => row.FirstOrDefault(s => s.Method == m) is { } s
                ? string.Create(CultureInfo.InvariantCulture, $"{100 * s.MeanAccuracy:F1}% ± {Sd(s.SdAccuracy, s.Runs)} | {s.MeanSeconds:F0} s")
                : "– | –");
            lines.Add($"| {row.Key.Data} | {Describe(row.Key.PerClass, row.First().Examples, row.Key.SampleSeed)} | {string.Join(" | ", cells)} | {row.Max(s => s.Runs)} |");
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// A standard deviation in points for the tables, or "–" when it rests on fewer than two values and so is not
    /// defined (the JSON keeps 0 there, as <see cref="SampleSd"/> returns).
    /// </summary>
    private static string Sd(double sd, int values) => values > 1 ? (100 * sd).ToString("F1", CultureInfo.InvariantCulture) : "–";

    /// <summary>Where n sits on the curve: 0, the whole pool, after every n.</summary>
    private static int CurveOrder(int perClass) => perClass == 0 ? int.MaxValue : perClass;

    /// <summary><c>16</c>, <c>16, sample 3</c> for a sample held fixed, or <c>all (4874)</c> for the whole pool.</summary>
    public static string Describe(int perClass, int examples, int? sampleSeed = null) =>
        perClass == 0 ? $"all ({examples})"
        : sampleSeed is { } fixedSample ? string.Create(CultureInfo.InvariantCulture, $"{perClass}, sample {fixedSample}")
        : perClass.ToString(CultureInfo.InvariantCulture);

    // The CLI's build, found once: the curve is written after every run, and finding it lists and opens the CLI's assemblies.
    private static readonly Lazy<string> CliBuild = new(OrtAgentCli.Build);

    private static void Write(string path, BenchOptions options, IReadOnlyList<Run> runs) => Write(path, options, runs, Summarise(runs), Compare(runs), Spread(runs));

    private static void Write(string path, BenchOptions options, IReadOnlyList<Run> runs, IReadOnlyList<Setting> settings, IReadOnlyList<PairedComparison> paired,
        IReadOnlyList<SeedSpread> spreads)
    {
        FigureFile.Write(path, CliBuild.Value, new
        {
            threads = options.Threads,
            seeds = runs.Select(r => r.Seed).Distinct().Order().ToArray(),
            sample_seeds = runs.Where(r => r.SampleSeed is not null).Select(r => r.SampleSeed!.Value).Distinct().Order().ToArray(),
            max_pairs = options.CurveMaxPairs,
            train_arguments = options.CurveArguments,
            settings,
            paired,
            seed_spread = spreads,
            runs,
        });
    }
}
