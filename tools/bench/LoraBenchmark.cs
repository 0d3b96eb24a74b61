using System.Globalization;
using System.Text.Json;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Bench;

/// <summary>
/// LoRA next to full fine-tuning of minilm (<c>--lora</c>): the training step of each in child processes of their own,
/// alternating A/B so both see the same load, with the per-pair ratio; peak RSS; trainable parameters, optimizer state
/// and checkpoint sizes from the two artifacts directories; MatMul FLOPs per step from the two training graphs; and,
/// with <c>--lora-spam DIR</c>, one whole LoRA <c>ortagent train</c> on the SpamAssassin split there, scored on its test file.
/// </summary>
public static class LoraBenchmark
{
    public static int Execute(BenchOptions options)
    {
        var work = options.WorkFolder;
        var workspace = BenchWorkspace.Prepare(work, options.ModelsRoot);
        var lora = workspace.PrepareLora(options.LoraRank);
        int s = options.SequenceLengths[^1];
        // The figures, in the order they are measured; FigureFile puts when, commit, build and machine before them.
        var report = new Dictionary<string, object>
        {
            ["settings"] = new
            {
                batch = options.BatchSize, sequence = s, threads = options.Threads, steps_per_run = options.Steps, warmup = options.WarmupSteps,
                pairs = options.LoraPairs, device = options.Device.ToString().ToLowerInvariant(), lora = lora.Properties.Lora!,
            },
        };

        var full = new List<Dictionary<string, double>>();
        var adapters = new List<Dictionary<string, double>>();
        for (int pair = 0; pair < options.LoraPairs; pair++)
        {
            // The order alternates, so a load that drifts during the run does not favour either side.
            foreach (bool isLora in pair % 2 == 0 ? new[] { false, true } : [true, false])
            {
                Console.WriteLine(Invariant($"{DateTime.Now:HH:mm:ss} pair {pair + 1}: {(isLora ? "LoRA" : "full")} (load {MachineInfo.LoadAverageNow()})"));
                var result = ChildProcess.RunSelf(options, isLora ? $"lora-train:{s}:{options.LoraRank}" : $"train:{s}", work);
                (isLora ? adapters : full).Add(result);
            }
        }
        var ratios = full.Zip(adapters, (f, l) => l["ms_per_step"] / f["ms_per_step"]).ToList();
        report["full_runs"] = full;
        report["lora_runs"] = adapters;
        report["step_ratio_lora_over_full"] = ratios;

        var sizes = new Dictionary<string, Footprint> { ["full"] = Footprint.Of(workspace.Artifacts), ["lora"] = Footprint.Of(lora) };
        report["footprint"] = sizes;
        var flops = new Dictionary<string, double>
        {
            ["full"] = FlopCounter.Count(workspace.Artifacts.TrainingModelPath, options.BatchSize, s).MatMulFlops,
            ["lora"] = FlopCounter.Count(lora.TrainingModelPath, options.BatchSize, s).MatMulFlops,
        };
        report["matmul_flops_per_step"] = flops;

        Console.WriteLine();
        Console.WriteLine(Invariant($"minilm, batch {options.BatchSize} × seq {s}, {options.Threads} threads; LoRA r={lora.Properties.Lora!.Rank}, α={lora.Properties.Lora.Alpha}, targets {string.Join(",", lora.Properties.Lora.Targets)}"));
        Console.WriteLine("| pair | full: step (fwd+bwd / optimizer) | LoRA: step (fwd+bwd / optimizer) | LoRA / full |");
        Console.WriteLine("|---|---|---|---|");
        for (int i = 0; i < ratios.Count; i++)
            Console.WriteLine(Invariant($"| {i + 1} | {Step(full[i])} | {Step(adapters[i])} | {ratios[i]:F2} |"));
        double median = Samples.Median(ratios);
        Console.WriteLine(Invariant($"median LoRA/full step ratio {median:F2} (LoRA {100 * (1 - median):F0}% faster); peak RSS full {full.Max(r => r["peak_rss_mib"]):F0} MiB, LoRA {adapters.Max(r => r["peak_rss_mib"]):F0} MiB"));
        Console.WriteLine(Invariant($"MatMul GFLOP per step: full {flops["full"] / 1e9:F1}, LoRA {flops["lora"] / 1e9:F1} ({flops["lora"] / flops["full"]:P0})"));
        foreach (var (name, f) in sizes)
            Console.WriteLine(Invariant($"{name}: {f.TrainableParameters:N0} trainable parameters, optimizer state {f.OptimizerStateBytes / 1e6:F2} MB, checkpoint model.safetensors {f.CheckpointBytes / 1e6:F2} MB"));
        Console.WriteLine(Invariant($"LoRA/full: trainable {(double)sizes["lora"].TrainableParameters / sizes["full"].TrainableParameters:P2}, optimizer state {(double)sizes["lora"].OptimizerStateBytes / sizes["full"].OptimizerStateBytes:P2}, checkpoint {(double)sizes["lora"].CheckpointBytes / sizes["full"].CheckpointBytes:P2}"));

        if (options.LoraSpamDirectory is { } spam) report["spam"] = SpamRun(options, spam, Path.Combine(work, "lora-spam"));
        if (options.JsonPath is not null)
        {
            FigureFile.Write(options.JsonPath, BenchWorkspace.MeasuredBuild(withCli: options.LoraSpamDirectory is not null), report);
            Console.WriteLine($"wrote {options.JsonPath}");
        }
        return 0;
    }

    private static string Step(Dictionary<string, double> run) =>
        Invariant($"{run["ms_per_step"]:F0} ms ({run["forward_backward_ms"]:F0} / {run["optimizer_ms"]:F1}), {run["peak_rss_mib"]:F0} MiB");

    // Tables and figures read the same on every machine: a German culture would print 0,85 and 1.234.567.
    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>One whole LoRA run through the CLI with the README's SpamAssassin recipe, at the LoRA learning rate, then <c>eval</c> on the test file.</summary>
    private static Dictionary<string, object> SpamRun(BenchOptions options, string spamDirectory, string root)
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        var model = Path.Combine(root, "model");
        // The CLI parses numbers in the invariant culture: "5E-04" with a decimal comma elsewhere would not be 5e-4.
        string[] recipe = [.. EndToEndBenchmark.SpamTrainArguments, "--lora-rank", BenchOptions.Invariant(options.LoraRank),
            "--lr", options.LoraLearningRate.ToString("R", CultureInfo.InvariantCulture)];
        Console.WriteLine(Invariant($"{DateTime.Now:HH:mm:ss} ortagent train {string.Join(' ', recipe)} on {spamDirectory} (load {MachineInfo.LoadAverageNow()})"));
        var train = OrtAgentCli.Run(["train", "--data", Path.Combine(spamDirectory, "train.csv"), "--output", model, "--artifacts-root", Path.Combine(root, "artifacts"),
            .. recipe, .. options.CliArguments("train")], options.ChildTimeout);
        var test = OrtAgentCli.Run(["eval", "--model", model, "--data", Path.Combine(spamDirectory, "test.csv"), "--json", .. options.CliArguments("eval")], options.ChildTimeout);
        using var evaluation = JsonDocument.Parse(test.Stdout.Trim().Split('\n')[^1]);
        double accuracy = evaluation.RootElement.GetProperty("accuracy").GetDouble();
        var validation = train.Stdout.Split('\n').LastOrDefault(l => l.StartsWith("validation accuracy:", StringComparison.Ordinal))?.Trim();
        Console.WriteLine(Invariant($"LoRA on {spamDirectory}: test accuracy {100 * accuracy:F2}%, {validation}, {train.Seconds:F0} s wall, peak RSS {train.PeakMiB:F0} MiB"));
        return new()
        {
            ["recipe"] = string.Join(' ', recipe), ["data"] = spamDirectory, ["test_accuracy"] = accuracy, ["validation"] = validation ?? "",
            ["wall_s"] = train.Seconds, ["peak_rss_mib"] = train.PeakMiB,
        };
    }

    /// <summary>What a run stores per trainable parameter: the parameters themselves, the AdamW moments and the checkpoint file.</summary>
    public sealed record Footprint(long TrainableParameters, long OptimizerStateBytes, long CheckpointBytes)
    {
        public static Footprint Of(TrainingArtifacts artifacts)
        {
            var model = SafeTensorsReader.Read(artifacts.ModelCheckpointPath);
            long trainable = artifacts.Properties.TrainableParameters.Sum(name => model[name].ElementCount);
            long optimizer = SafeTensorsReader.Read(artifacts.OptimizerCheckpointPath).Tensors.Sum(t => t.Value.Bytes.Length);
            return new Footprint(trainable, optimizer, new FileInfo(artifacts.ModelCheckpointPath).Length);
        }
    }
}
