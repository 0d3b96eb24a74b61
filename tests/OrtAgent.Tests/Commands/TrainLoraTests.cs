using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.Commands;

/// <summary><c>train --lora-rank</c> end to end on the tiny model: a plain exported model and a card that says what was trained.</summary>
public sealed class TrainLoraTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task TrainsAdaptersAndExportsAPlainModelWithALoraModelCard()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "4", "--lora-alpha", "8", "--lora-targets", "query,value,intermediate", "--lr", "1e-2"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var artifacts = TrainingArtifacts.Open(_work.Combine("artifacts", "m"));
        Assert.Equal(["query", "value", "intermediate"], artifacts.Properties.Lora!.Targets);
        Assert.Equal(artifacts.Properties.TrainableParameters, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Names);
        Assert.DoesNotContain(artifacts.Properties.TrainableParameters, n => n.EndsWith(".weight") && n.StartsWith("encoder."));

        var model = _work.Combine("models", "m");
        var card = File.ReadAllText(Path.Combine(model, "README.md"));
        Assert.Contains("## LoRA", card);
        Assert.Contains("| rank | 4 |", card);
        Assert.Contains("| targets | query, value, intermediate (6 weights) |", card);
        // 2 layers × (query 32·4 + 4·32, value the same, intermediate 32·4 + 4·64) = 2 × 896 in adapters, plus the 32·2 + 2 head.
        Assert.Contains("| trainable parameters | 1,858 (1,792 in adapters, the rest in the head) |", card);
        using var classifier = TextClassifier.Load(model);
        Assert.Equal(["negative", "positive"], classifier.Info.Labels);
        // The merged model is a plain one: the int8 export of the same checkpoint works as for full fine-tuning.
        var int8 = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", _work.Combine("models", "int8"), "--quantize", "int8"]);
        Assert.True(int8.ExitCode == 0, int8.ToString());
        using var quantized = TextClassifier.Load(_work.Combine("models", "int8"));
        Assert.Equal(classifier.Predict("great fun").Label, quantized.Predict("great fun").Label);
        Assert.DoesNotContain(Onnx.OnnxModel.Load(Path.Combine(model, "model.onnx")).Graph.Initializers, v => v.Name.Contains("lora"));
    }

    [Fact]
    public async Task AnAdapterOnlyExportRoundTripsThroughInitFrom()
    {
        // CLS pooling, recorded beside the adapter, which the run continuing it must pool with too.
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "4", "--lr", "1e-2", "--epochs", "2", "--pooling", "cls"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var adapter = _work.Combine("adapter");
        var export = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", adapter, "--adapter-only"]);
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.True(File.Exists(Path.Combine(adapter, "adapter.safetensors")) && File.Exists(Path.Combine(adapter, "adapter_config.json")));
        Assert.Contains("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight", SafeTensorsReader.Read(Path.Combine(adapter, "adapter.safetensors")).Names);

        // A second run starting from the adapter, at a rate too small to move anything, exports the first run's model again.
        var second = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", adapter, "--lr", "1e-12", "--epochs", "1",
            "--output", _work.Combine("models", "again"), "--weight-decay", "0"));
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(4, TrainingArtifacts.Open(_work.Combine("artifacts", "again")).Properties.Lora!.Rank);
        Assert.Equal("cls", TrainingArtifacts.Open(_work.Combine("artifacts", "again")).Properties.Pooling);
        using var original = TextClassifier.Load(_work.Combine("models", "m"));
        using var restored = TextClassifier.Load(_work.Combine("models", "again"));
        foreach (var text in new[] { "the movie was great", "really awful service", "it is boring" })
        {
            var (a, b) = (original.Predict(text), restored.Predict(text));
            foreach (var (label, probability) in a.Probabilities) Assert.Equal(probability, b.Probabilities[label], 4);
        }

        // An adapter with --method contrastive was told about a --lora-rank and an auto it never asked for.
        var contrastive = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", adapter, "--method", "contrastive", "--output", _work.Combine("models", "x")));
        Assert.True(contrastive.ExitCode == 2, contrastive.ToString());
        Assert.Equal($"error: --init-from {adapter} is a LoRA adapter, which trains on by standard fine-tuning; contrastive training fine-tunes the whole encoder, " +
            "so pass --method standard, or --init-from a whole model", Assert.Single(contrastive.ErrorLines));
        // Refused before the data is read (it printed "Reading …" and the split first), as is freezing with an adapter,
        // whose refusal did not name the flag.
        Assert.Equal("", contrastive.Output);
        var frozen = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", adapter, "--freeze-layers", "0-1", "--output", _work.Combine("models", "x")));
        Assert.True(frozen.ExitCode == 2, frozen.ToString());
        Assert.Equal($"error: --freeze-layers '0-1': does not combine with --init-from {adapter}, a LoRA adapter, which freezes every base weight already and trains only the adapters and the head; drop --freeze-layers, or train without LoRA",
            Assert.Single(frozen.ErrorLines));
        Assert.Equal("", frozen.Output);

        var mismatch = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", adapter, "--lora-rank", "2", "--output", _work.Combine("models", "x")));
        Assert.True(mismatch.ExitCode == 2, mismatch.ToString());
        Assert.Contains("the adapter has rank 4", Assert.Single(mismatch.ErrorLines));
        // α scales what the adapters add: another would continue from another model (it was taken, the accuracy fell).
        var otherAlpha = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", adapter, "--lora-rank", "4", "--lora-alpha", "64", "--output", _work.Combine("models", "x")));
        Assert.True(otherAlpha.ExitCode == 2, otherAlpha.ToString());
        Assert.Contains("the adapter has rank 4, α 4 and targets query,value; --lora-alpha 64 cannot continue it", Assert.Single(otherAlpha.ErrorLines));
        // Without --lora-rank the adapter supplies it: a contradicting α or targets is refused naming the adapter's, as
        // with it; a new dropout is taken (it was refused as needing --lora-rank, which the adapter fixes already).
        foreach (var (flag, value) in new[] { ("--lora-alpha", "16"), ("--lora-targets", "key") })
        {
            var contradicting = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", adapter, flag, value, "--output", _work.Combine("models", "x")));
            Assert.True(contradicting.ExitCode == 2, contradicting.ToString());
            Assert.Equal($"error: --init-from {adapter}: the adapter has rank 4, α 4 and targets query,value; {flag} {value} cannot continue it",
                Assert.Single(contradicting.ErrorLines));
        }
        var newDropout = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", adapter, "--lora-dropout", "0.25", "--lora-alpha", "4",
            "--lr", "1e-12", "--epochs", "1", "--output", _work.Combine("models", "dropout")));
        Assert.True(newDropout.ExitCode == 0, newDropout.ToString());
        var continued = TrainingArtifacts.Open(_work.Combine("artifacts", "dropout")).Properties.Lora!;
        Assert.Equal((4, 4f, 0.25f), (continued.Rank, continued.Alpha, continued.Dropout));
        // A whole model holds no adapter, and LoRA does not train new ones on it (with or without a rank); the refusal
        // names the LoRA options given, where it named a --lora-rank never typed.
        var wholeModel = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", _work.Combine("models", "m"), "--lora-dropout", "0.1", "--output", _work.Combine("models", "x")));
        Assert.True(wholeModel.ExitCode == 2, wholeModel.ToString());
        Assert.Equal($"error: --init-from {_work.Combine("models", "m")}: is a whole model, with no LoRA adapter to train on; "
            + "to continue LoRA training, start from an adapter written by export --adapter-only, or leave --lora-dropout unset", Assert.Single(wholeModel.ErrorLines));
        var wholeModelTargets = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", _work.Combine("models", "m"), "--lora-targets", "query", "--lora-alpha", "8",
            "--output", _work.Combine("models", "x")));
        Assert.True(wholeModelTargets.ExitCode == 2, wholeModelTargets.ToString());
        Assert.EndsWith("or leave --lora-alpha and --lora-targets unset", Assert.Single(wholeModelTargets.ErrorLines));
        // Nor does a resumed run drop another α or other targets (only the rank was compared).
        foreach (var (flag, value, refusal) in new[] { ("--lora-alpha", "32", "--lora-alpha 32: the run in "), ("--lora-targets", "key", "--lora-targets 'key': the run in ") })
        {
            var resumed = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", _work.Combine("artifacts", "m"), "--lora-rank", "4", flag, value,
                "--lr", "1e-2", "--epochs", "2", "--pooling", "cls"));
            Assert.True(resumed.ExitCode == 2, resumed.ToString());
            Assert.StartsWith("error: " + refusal, Assert.Single(resumed.ErrorLines));
        }
        // An adapter of another base is refused after the run's artifacts were generated: none of them may stay, or a
        // later --resume of them would train without the adapter.
        var otherBase = _work.Combine("other-base");
        OrtAgent.Training.Encoders.TinyBertBuilder.WriteBaseModel(otherBase, new OrtAgent.Training.Encoders.TinyBertOptions { Seed = 9 });
        var otherBaseRun = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", adapter, "--base", otherBase, "--output", _work.Combine("models", "y")));
        Assert.True(otherBaseRun.ExitCode == 2, otherBaseRun.ToString());
        Assert.Contains("the adapter was trained on a base with SHA-256", Assert.Single(otherBaseRun.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts", "y")));
        Assert.False(Directory.Exists(_work.Combine("models", "y")));
        var notLora = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", adapter, "--adapter-only", "--quantize", "int8"]);
        Assert.True(notLora.ExitCode == 2, notLora.ToString());
    }

    /// <summary>
    /// From an adapter, --lora-rank without --lora-dropout keeps the adapter's dropout and --lora-dropout 0 turns it off: the command
    /// passes the library a dropout only when the flag is given, and the library keeps the adapter's when it has none.
    /// </summary>
    [Fact]
    public async Task AnAdaptersDropoutIsKeptWithoutTheFlagAndTurnedOffByZero()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "2", "--lora-dropout", "0.25", "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var adapter = _work.Combine("adapter");
        var export = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", adapter, "--adapter-only"]);
        Assert.True(export.ExitCode == 0, export.ToString());

        // The rank is the adapter's: a LoRA flag given without --lora-dropout (left out entirely, the adapter's options are taken whole).
        foreach (var (name, flags, expected) in new[] { ("kept", new[] { "--lora-rank", "2" }, 0.25f), ("off", ["--lora-dropout", "0"], 0f) })
        {
            var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, ["--init-from", adapter, "--epochs", "1", "--output", _work.Combine("models", name), .. flags]));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(expected, TrainingArtifacts.Open(_work.Combine("artifacts", name)).Properties.Lora!.Dropout);
        }
    }
}
