using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrtAgent.Runtime;

namespace OrtAgent.Bench;

/// <summary>
/// Distillation (<c>--distill</c>): for each data set a minilm teacher is fine-tuned once by <c>ortagent train</c>
/// (reused when the work directory holds one trained with the same arguments on the same data, see <see cref="TrainedModelStamp"/>), then for each student size N the CLI distils it
/// (<c>distill --layers N --alpha A</c>, <c>--distill-alpha</c>, 0.5 by default, plus <c>--distill-args</c>) and, as the control, trains the same cut model on the labels alone
/// (<c>distill --layers N --alpha 0</c>: the teacher's layers and head, no teacher signal). Every model is scored by
/// <c>ortagent eval --json</c> on a test part no run sees. Then the exported models' inference speed through
/// <see cref="TextClassifier"/>: batch-32 throughput at 128 tokens and batch-1 latency, measured in rounds that
/// alternate the models (forward, then reverse order), so drift from other work on the host spreads over all of them.
/// </summary>
public static class DistillationBenchmark
{
    /// <summary>One trained and scored model.</summary>
    public sealed record Run(string Data, string Model, int Layers, double? Alpha, double TestAccuracy, double ValidationAccuracy, double TrainSeconds);

    /// <summary>One model's inference speed, measured in the same alternating rounds as the teacher's.</summary>
    public sealed record Speed(string Data, string Model, int Layers, double SequencesPerSecond, double ThroughputRatio, double P50Ms, double P99Ms, int BatchRuns, int LatencyRuns);

    public static int Execute(BenchOptions options)
    {
        var work = options.WorkFolder;
        Directory.CreateDirectory(work);
        var jsonPath = Path.GetFullPath(options.JsonPath ?? Path.Combine(work, "distill.json"));
        var runs = new List<Run>();
        var speeds = new List<Speed>();
        // Every model here is made by the CLI, and the teacher from the CLI's default base model (minilm) under
        // --models-root: a model made by another build, or from another base model, is made again.
        var cli = OrtAgentCli.Build();
        var baseModel = BenchWorkspace.BaseModelDirectory(options.ModelsRoot);
        foreach (var data in LearningCurveBenchmark.LoadData(options, work))
        {
            var directory = Path.Combine(work, data.Name);
            var train = Path.Combine(directory, "train.csv");
            Directory.CreateDirectory(directory);
            data.Pool.Write(train, data.Pool.Rows);
            var loop = data.Name == "spam" ? new[] { "--epochs", "2", "--batch-size", "32" } : [];
            var artifactsRoot = Path.Combine(directory, "artifacts");
            var models = new List<(string Name, string Directory, int Layers)>();

            var teacher = Path.Combine(directory, "teacher");
            string[] teacherArguments = ["train", "--data", train, .. data.ExtraTrainArguments, .. loop];
            var trainingData = $"training data sha256 {TrainedModelStamp.Sha256(train)}";
            // Read again once trained: a base model not pulled yet is pulled by that train.
            string TeacherSettings() => Settings(teacherArguments, trainingData, cli, BenchWorkspace.BaseModelStamp(baseModel));
            double teacherSeconds = 0;
            if (!TrainedModelStamp.Matches(teacher, TeacherSettings()))
            {
                TrainedModelStamp.Discard(teacher, artifactsRoot);
                teacherSeconds = OrtAgentCli.Run([.. teacherArguments, "--output", teacher, "--artifacts-root", artifactsRoot,
                    .. options.CliArguments("train")], options.ChildTimeout).Seconds;
                TrainedModelStamp.Write(teacher, TeacherSettings());
            }
            int teacherLayers = OrtAgent.Training.Distillation.TeacherModel.Open(teacher).Layers;
            runs.Add(Score(data, "teacher", teacher, teacherLayers, null, teacherSeconds, options));
            models.Add(("teacher", teacher, teacherLayers));
            Report(runs[^1]);
            Write(jsonPath, cli, options, runs, speeds);
            // Students are reused only with the very teacher they were distilled from (which stands for its base model), by the same CLI build.
            var teacherModel = $"teacher model sha256 {TrainedModelStamp.Sha256(Path.Combine(teacher, ModelContract.ModelFile))}";

            foreach (int layers in options.DistillLayers)
            {
                foreach (var (name, alpha) in new[] { ($"student-{layers}", options.DistillAlpha), ($"no-teacher-{layers}", 0.0) })
                {
                    var output = Path.Combine(directory, name);
                    string[] studentArguments = ["distill", "--teacher", teacher, "--layers", layers.ToString(CultureInfo.InvariantCulture),
                        "--alpha", alpha.ToString(CultureInfo.InvariantCulture), .. Override(loop, options.DistillArguments)];
                    var studentSettings = Settings(studentArguments, teacherModel, cli);
                    double seconds = 0;
                    if (!TrainedModelStamp.Matches(output, studentSettings))
                    {
                        TrainedModelStamp.Discard(output, artifactsRoot);
                        seconds = OrtAgentCli.Run([.. studentArguments, "--output", output, "--artifacts-root", artifactsRoot,
                            .. options.CliArguments("distill", options.DistillArguments)],
                            options.ChildTimeout).Seconds;
                        TrainedModelStamp.Write(output, studentSettings);
                    }
                    runs.Add(Score(data, name, output, layers, alpha, seconds, options));
                    models.Add((name, output, layers));
                    Report(runs[^1]);
                    Write(jsonPath, cli, options, runs, speeds);
                }
            }
            // Speed depends on the architecture only; the distilled students stand for their size.
            speeds.AddRange(MeasureSpeed(data.Name, models.Where(m => !m.Name.StartsWith("no-teacher", StringComparison.Ordinal)).ToList(), options));
            Write(jsonPath, cli, options, runs, speeds);
        }
        Console.WriteLine();
        Console.WriteLine(Table(runs, speeds));
        Console.WriteLine($"wrote {jsonPath}");
        return 0;
    }

    /// <summary>
    /// What decides whether a model can be reused: the CLI arguments that shape it, the content it learns from, and the
    /// build (and base model) that make it, a line or more each. Output, artifacts, models root and thread count are
    /// left out: they change where and how fast, not what is trained.
    /// </summary>
    private static string Settings(IEnumerable<string> arguments, params string[] sources) =>
        string.Concat(sources.Prepend(string.Join(' ', arguments)).Select(part => part.TrimEnd('\n') + "\n"));

    /// <summary><paramref name="defaults"/> (flag, value pairs) with every flag that <paramref name="given"/> also sets replaced by its value there.</summary>
    private static string[] Override(string[] defaults, IReadOnlyList<string> given)
    {
        var kept = new List<string>();
        for (int i = 0; i + 1 < defaults.Length; i += 2)
            if (!given.Contains(defaults[i])) kept.AddRange([defaults[i], defaults[i + 1]]);
        return [.. kept, .. given];
    }

    private static Run Score(LearningCurveBenchmark.CurveData data, string name, string model, int layers, double? alpha, double trainSeconds, BenchOptions options)
    {
        var eval = OrtAgentCli.Run(["eval", "--model", model, "--data", data.TestPath, "--json", .. options.CliArguments("eval")], options.ChildTimeout);
        using var report = JsonDocument.Parse(eval.Stdout.Trim().Split('\n')[^1]);
        using var classifier = TextClassifier.Load(model);
        return new Run(data.Name, name, layers, alpha, report.RootElement.GetProperty("accuracy").GetDouble(),
            classifier.Info.Metrics.GetValueOrDefault("accuracy", double.NaN), trainSeconds);
    }

    private static void Report(Run run) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{run.Data} {run.Model} ({run.Layers} layers): test accuracy {run.TestAccuracy:P2}, validation {run.ValidationAccuracy:P2}, train {run.TrainSeconds:F0} s"));

    /// <summary>
    /// Batch 32 × 128 tokens (texts long enough to be truncated) and batch-1 latency on ~16-token texts, per model, in
    /// <see cref="BenchOptions.DistillSpeedRounds"/> rounds; each round visits the models in turn, reversing the order every other round.
    /// </summary>
    private static List<Speed> MeasureSpeed(string data, IReadOnlyList<(string Name, string Directory, int Layers)> models, BenchOptions options)
    {
        const int sequence = 128, batchRunsPerRound = 3, latencyRunsPerRound = 40;
        var settings = options.SessionSettings;
        var batchTexts = Enumerable.Range(0, options.BatchSize).Select(i => InferenceBenchmark.Text(seed: i, words: sequence * 2)).ToArray();
        var singleTexts = Enumerable.Range(0, latencyRunsPerRound).Select(i => InferenceBenchmark.Text(seed: 1000 + i, words: 14)).ToArray();
        var batched = models.Select(m => TextClassifier.Load(m.Directory, new TextClassifierOptions { Session = settings, MaxBatchSize = options.BatchSize, MaxLength = sequence })).ToArray();
        var single = models.Select(m => TextClassifier.Load(m.Directory, new TextClassifierOptions { Session = settings, MaxBatchSize = 1 })).ToArray();
        try
        {
            var batchTimes = models.Select(_ => new List<double>()).ToArray();
            var latencies = models.Select(_ => new List<double>()).ToArray();
            for (int m = 0; m < models.Count; m++)
            {
                batched[m].PredictBatch(batchTexts); // warmup: first runs allocate and plan
                for (int i = 0; i < 5; i++) single[m].Predict(singleTexts[i]);
            }
            for (int round = 0; round < options.DistillSpeedRounds; round++)
            {
                var order = Enumerable.Range(0, models.Count);
                foreach (int m in round % 2 == 0 ? order : order.Reverse())
                {
                    for (int r = 0; r < batchRunsPerRound; r++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        batched[m].PredictBatch(batchTexts);
                        batchTimes[m].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                    foreach (var text in singleTexts)
                    {
                        long start = Stopwatch.GetTimestamp();
                        single[m].Predict(text);
                        latencies[m].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                }
                Console.WriteLine($"{data}: speed round {round + 1}/{options.DistillSpeedRounds} done");
            }
            double teacherRate = options.BatchSize * 1000 / Samples.Median(batchTimes[0]);
            return models.Select((model, m) =>
            {
                double rate = options.BatchSize * 1000 / Samples.Median(batchTimes[m]);
                return new Speed(data, model.Name, model.Layers, rate, rate / teacherRate, Samples.Percentile(latencies[m], 50),
                    Samples.Percentile(latencies[m], 99), batchTimes[m].Count, latencies[m].Count);
            }).ToList();
        }
        finally
        {
            foreach (var classifier in batched.Concat(single)) classifier.Dispose();
        }
    }

    /// <summary>Per data set: each model's test accuracy (and its share of the teacher's) beside its speed.</summary>
    public static string Table(IReadOnlyList<Run> runs, IReadOnlyList<Speed> speeds)
    {
        var lines = new List<string>
        {
            "| data | model | layers | test accuracy | of the teacher's | validation accuracy | batch 32 × 128: seq/s | × teacher | batch 1: p50 / p99 ms | train wall |",
            "|---|---|---|---|---|---|---|---|---|---|",
        };
        foreach (var group in runs.GroupBy(r => r.Data))
        {
            double teacher = group.First(r => r.Model == "teacher").TestAccuracy;
            foreach (var run in group)
            {
                var speed = speeds.FirstOrDefault(s => s.Data == run.Data && s.Model == run.Model);
                string speedCells = speed is null ? "– | – | –" : string.Create(CultureInfo.InvariantCulture,
                    $"{speed.SequencesPerSecond:F1} | {speed.ThroughputRatio:F2}× | {speed.P50Ms:F2} / {speed.P99Ms:F2}");
                string name = run.Alpha is double a ? $"{run.Model} (α {a.ToString(CultureInfo.InvariantCulture)})" : run.Model;
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {run.Data} | {name} | {run.Layers} | {100 * run.TestAccuracy:F2}% | {100 * run.TestAccuracy / teacher:F1}% | {100 * run.ValidationAccuracy:F2}% | {speedCells} | {(run.TrainSeconds > 0 ? run.TrainSeconds.ToString("F0", CultureInfo.InvariantCulture) + " s" : "reused")} |"));
            }
        }
        return string.Join('\n', lines);
    }

    private static void Write(string path, string cli, BenchOptions options, IReadOnlyList<Run> runs, IReadOnlyList<Speed> speeds) =>
        FigureFile.Write(path, cli, new
        {
            threads = options.Threads,
            layers = options.DistillLayers,
            alpha = options.DistillAlpha,
            distill_arguments = options.DistillArguments,
            speed_rounds = options.DistillSpeedRounds,
            runs,
            speeds,
        });
}
