using System.Text.Json;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>train --lora-rank</c> as a user meets it: the rate a LoRA run takes without <c>--lr</c>, what <c>--resume</c>
/// accepts of the LoRA options, what a card says the run started from, and the ranks and α values refused.
/// </summary>
public sealed class TrainLoraUserPathTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>The tiny runs' arguments without their <c>--lr</c>, so the run's default applies.</summary>
    private string[] WithoutLearningRate(params string[] extra)
    {
        var args = tiny.TrainArgs(_work.Path, extra).ToList();
        int lr = args.IndexOf("--lr");
        args.RemoveRange(lr, 2);
        return [.. args];
    }

    private static double RecordedLearningRate(string artifacts) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, TrainingArtifacts.SettingsRecordFile)))
            .RootElement.GetProperty("fine_tuning").GetProperty("learning_rate").GetDouble();

    [Fact]
    public async Task ALoraRunWithoutLrTrainsAtLorasDefaultAndItsResumeKeepsIt()
    {
        var run = await CliRun.RunAsync(WithoutLearningRate("--lora-rank", "4", "--epochs", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Learning rate: 1e-3, LoRA's default (adapters start at zero and barely move at full fine-tuning's 5e-5)", run.Output);
        var artifacts = _work.Combine("artifacts", "m");
        Assert.Equal(1e-3, RecordedLearningRate(artifacts));
        Assert.Contains("| learning rate | 1e-3 (", File.ReadAllText(_work.Combine("models", "m", "README.md")));

        // Resumed without --lr, the run keeps its rate (the full fine-tuning default would be a change it refuses).
        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.DoesNotContain("LoRA's default", resumed.Output);
        // An --lr given is the rate, LoRA or not; and a whole-model run keeps full fine-tuning's default.
        var given = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "4", "--epochs", "1", "--lr", "5e-5", "--output", _work.Combine("models", "given")));
        Assert.True(given.ExitCode == 0, given.ToString());
        Assert.Equal(5e-5, RecordedLearningRate(_work.Combine("artifacts", "given")));
        var whole = await CliRun.RunAsync(WithoutLearningRate("--epochs", "1", "--output", _work.Combine("models", "whole")));
        Assert.True(whole.ExitCode == 0, whole.ToString());
        Assert.Equal(5e-5, RecordedLearningRate(_work.Combine("artifacts", "whole")));
    }

    [Fact]
    public async Task AResumedLoraRunTakesItsOwnLoraValuesAndRefusesOthersInItsOwnWords()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "4", "--lora-dropout", "0.1", "--lora-targets", "query,value", "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        // The run's own dropout and targets, without --lora-rank: the run has a rank. Left out, --lora-dropout keeps the
        // run's (as the library's resume does: TextClassifierUnsetSettingsTests), whether another LoRA flag is given or none.
        foreach (var flags in new[] { ["--lora-dropout", "0.1"], ["--lora-targets", "query,value"], ["--lora-alpha", "4"], Array.Empty<string>() })
        {
            var same = await CliRun.RunAsync(["train", "--resume", artifacts, .. flags]);
            Assert.True(same.ExitCode == 0, same.ToString());
        }
        Assert.Equal(0.1f, TrainingArtifacts.Open(artifacts).Properties.Lora!.Dropout);
        foreach (var (flag, value, refusal) in new[]
                 {
                     ("--lora-dropout", "0.2", $"--lora-dropout 0.2: the run in {artifacts} was built with adapter dropout 0.1, which a resumed run keeps"),
                     // 0 given is asked for, not "left out" (it was the flag's default value): refused as any other, as the library refuses it.
                     ("--lora-dropout", "0", $"--lora-dropout 0: the run in {artifacts} was built with adapter dropout 0.1, which a resumed run keeps"),
                     ("--lora-targets", "key", $"--lora-targets 'key': the run in {artifacts} adapts query,value, which a resumed run keeps"),
                     ("--lora-rank", "2", $"--lora-rank 2: the run in {artifacts} has adapters of rank 4, which a resumed run keeps"),
                     ("--freeze-layers", "0-1", $"--freeze-layers '0-1': does not combine with the run in {artifacts}, a LoRA run of rank 4, which freezes every base weight already and trains only the adapters and the head; drop --freeze-layers, or train without LoRA"),
                 })
        {
            var other = await CliRun.RunAsync(["train", "--resume", artifacts, flag, value]);
            Assert.True(other.ExitCode == 2, other.ToString());
            Assert.StartsWith("error: " + refusal, Assert.Single(other.ErrorLines));
        }

        // A whole-model run has no adapters: a LoRA option is refused naming the option given.
        var whole = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--output", _work.Combine("models", "whole")));
        Assert.True(whole.ExitCode == 0, whole.ToString());
        var dropout = await CliRun.RunAsync(["train", "--resume", _work.Combine("artifacts", "whole"), "--lora-dropout", "0.1"]);
        Assert.True(dropout.ExitCode == 2, dropout.ToString());
        Assert.StartsWith($"error: --lora-dropout 0.1: the run in {_work.Combine("artifacts", "whole")} fine-tunes the whole model, without adapters", Assert.Single(dropout.ErrorLines));
    }

    [Fact]
    public async Task ARunStartedFromAnAdapterOrAModelNamesItInItsCard()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "4", "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.DoesNotContain("## Started from", File.ReadAllText(_work.Combine("models", "m", "README.md")));
        var adapter = _work.Combine("adapter");
        var export = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", adapter, "--adapter-only"]);
        Assert.True(export.ExitCode == 0, export.ToString());

        var fromAdapter = await CliRun.RunAsync(WithoutLearningRate("--init-from", adapter, "--epochs", "1", "--output", _work.Combine("models", "a")));
        Assert.True(fromAdapter.ExitCode == 0, fromAdapter.ToString());
        // The adapter read has trained weights: only a new one starts at zero.
        Assert.Contains("Learning rate: 1e-3, LoRA's default (adapters barely move at full fine-tuning's 5e-5)", fromAdapter.Output);
        var card = OrtAgent.Training.Export.ModelCard.SectionsOf(File.ReadAllText(_work.Combine("models", "a", "README.md")));
        Assert.StartsWith($"The LoRA adapter in `{adapter}` (rank 4, alpha 4, targets query, value; trained on ", card["Started from"]);
        Assert.Contains("base SHA-256 `", card["Started from"]);

        var fromModel = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--init-from", _work.Combine("models", "m"), "--epochs", "1", "--output", _work.Combine("models", "b")));
        Assert.True(fromModel.ExitCode == 0, fromModel.ToString());
        var modelCard = OrtAgent.Training.Export.ModelCard.SectionsOf(File.ReadAllText(_work.Combine("models", "b", "README.md")));
        Assert.StartsWith($"The model in `{_work.Combine("models", "m")}`", modelCard["Started from"]);
        Assert.EndsWith("this run started from its weights.", modelCard["Started from"]);

        // A resumed run was given no --init-from: its card says what the run recorded (it said the path alone).
        var resumed = await CliRun.RunAsync(["train", "--resume", _work.Combine("artifacts", "b")]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var resumedCard = OrtAgent.Training.Export.ModelCard.SectionsOf(File.ReadAllText(_work.Combine("models", "b", "README.md")));
        Assert.Equal(modelCard["Started from"], resumedCard["Started from"]);
        var resumedFromAdapter = await CliRun.RunAsync(["train", "--resume", _work.Combine("artifacts", "a")]);
        Assert.True(resumedFromAdapter.ExitCode == 0, resumedFromAdapter.ToString());
        Assert.Equal(card["Started from"], OrtAgent.Training.Export.ModelCard.SectionsOf(File.ReadAllText(_work.Combine("models", "a", "README.md")))["Started from"]);
    }

    [Fact]
    public async Task ARankAboveTheSmallestTargetedWeightsSideIsRefusedBeforeAnythingIsWritten()
    {
        // The tiny model's hidden size is 32: query and value are [32, 32].
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "33"));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: --lora-rank 33: must be at most 32, the smaller side of the targeted weight encoder.layer.0.attention.self.query.weight [32, 32]; "
            + "the update A·B cannot have a higher rank", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts", "m")));
        Assert.False(Directory.Exists(_work.Combine("models", "m")));
        var atTheSide = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "32", "--epochs", "1"));
        Assert.True(atTheSide.ExitCode == 0, atTheSide.ToString());
    }

    [Theory]
    [InlineData("inf", "Infinity")]
    [InlineData("-inf", "-Infinity")]
    [InlineData("Infinity", "Infinity")]
    [InlineData("0", "0")]
    public async Task AnAlphaThatIsNoPositiveNumberIsRefusedInOneWording(string given, string shown)
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "4", "--lora-alpha", given));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --lora-alpha {shown}: must be a positive number", Assert.Single(run.ErrorLines));
    }
}
