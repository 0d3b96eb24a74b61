using OrtAgent.Data;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// A setting whose default depends on the run (the learning rate: full fine-tuning's or LoRA's; the adapters' dropout:
/// none, or an adapter's own) is null when left out, so the facade tells a value asked for from one left out: it took
/// an explicit 5e-5 on a LoRA run, and an explicit dropout 0 on an adapter's run, for "not set", and trained at LoRA's
/// 1e-3 and the adapter's dropout.
/// </summary>
public sealed class TextClassifierUnsetSettingsTests : IDisposable
{
    private readonly TempDirectory _root = new("text-classifier-unset");
    private readonly string _base;

    public TextClassifierUnsetSettingsTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TextClassifierTrainingOptions QuickStandard(string name)
    {
        var options = TextClassifierTrainerTests.Options(_base, _root, name, TrainingMethod.Standard);
        return options with { FineTuning = options.FineTuning with { Epochs = 1, MinimumSteps = 1 } };
    }

    private static LabeledExample[] Reviews() => TextClassifierTrainerTests.Reviews(40, 1);

    private static string HyperparametersOf(TextClassifierTrainingResult result) =>
        ModelCard.SectionsOf(File.ReadAllText(Path.Combine(result.OutputDirectory, "README.md")))["Hyperparameters"];

    private static double? RecordedRate(TextClassifierTrainingResult result) => RecordedSettings.Read(result.ArtifactsDirectory)!.FineTuning.LearningRate;

    [Fact]
    public void ALoraRunAskedForFullFineTuningsRateTrainsAtItAndLeftUnsetAtLoras()
    {
        var options = QuickStandard("lora-5e-5");
        var asked = TextClassifierTrainer.Train(options with { Lora = new LoraOptions { Rank = 2 }, FineTuning = options.FineTuning with { LearningRate = 5e-5 } }, Reviews());
        var unset = TextClassifierTrainer.Train(QuickStandard("lora-unset") with { Lora = new LoraOptions { Rank = 2 }, FineTuning = options.FineTuning with { LearningRate = null } }, Reviews());

        // What the run records (and a resumed run keeps) and what its card says are the rate it trained at.
        Assert.Equal(5e-5, RecordedRate(asked));
        Assert.Contains("| learning rate | 5e-5 (linear", HyperparametersOf(asked));
        Assert.Equal(LoraOptions.DefaultLearningRate, RecordedRate(unset));
        Assert.Contains("| learning rate | 1e-3 (linear", HyperparametersOf(unset));
    }

    [Fact]
    public void AnAdaptersRunAskedForNoDropoutTrainsWithoutAndLeftUnsetKeepsTheAdapters()
    {
        var first = TextClassifierTrainer.Train(QuickStandard("with-dropout") with { Lora = new LoraOptions { Rank = 2, Dropout = 0.1f } }, Reviews());
        var artifacts = TrainingArtifacts.Open(first.ArtifactsDirectory);
        string adapter = _root.Combine("adapter");
        PeftAdapter.Write(artifacts.Properties, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.ToList(), adapter);

        var off = TextClassifierTrainer.Train(QuickStandard("dropout-off") with { InitFrom = adapter, Lora = new LoraOptions { Rank = 2, Dropout = 0 } }, Reviews());
        var kept = TextClassifierTrainer.Train(QuickStandard("dropout-kept") with { InitFrom = adapter, Lora = new LoraOptions { Rank = 2 } }, Reviews());

        Assert.Equal(0.1f, artifacts.Properties.Lora!.Dropout);
        Assert.Equal(0f, TrainingArtifacts.Open(off.ArtifactsDirectory).Properties.Lora!.Dropout);
        Assert.Equal(0.1f, TrainingArtifacts.Open(kept.ArtifactsDirectory).Properties.Lora!.Dropout);
    }

    /// <summary>
    /// A rate left unset resumes a run at the rate it recorded, a number in every record (a LoRA run begun at full
    /// fine-tuning's rate, before LoRA had its own default, among them); a rate set otherwise is refused.
    /// </summary>
    [Fact]
    public void ARunResumedWithTheRateUnsetKeepsTheRateItRecorded()
    {
        var options = QuickStandard("resumed") with { Lora = new LoraOptions { Rank = 2 } };
        var began = TextClassifierTrainer.Train(options with { FineTuning = options.FineTuning with { LearningRate = 5e-5 } }, Reviews());

        var resumed = TextClassifierTrainer.Train(options with { FineTuning = options.FineTuning with { LearningRate = null } }, Reviews());
        var other = Assert.Throws<InvalidOptionException>(() =>
            TextClassifierTrainer.Train(options with { FineTuning = options.FineTuning with { LearningRate = 1e-3 } }, Reviews()));

        Assert.Equal(began.Steps, resumed.Steps);
        Assert.Equal(5e-5, RecordedRate(resumed));
        Assert.Contains("| learning rate | 5e-5 (linear", HyperparametersOf(resumed));
        Assert.Equal("FineTuningOptions.LearningRate", other.Option);
        Assert.StartsWith($"FineTuningOptions.LearningRate = 0.001: the run in {began.ArtifactsDirectory} began with 5e-5, which a resumed run keeps", other.Message);
    }

    /// <summary>
    /// A LoRA run resumed with its dropout left unset keeps the dropout its adapters were built with (it was refused as
    /// "dropout 0"); another dropout set, 0 included, is refused before any step, as <c>train --resume</c> refuses it.
    /// </summary>
    [Fact]
    public void ALoraRunResumedWithTheDropoutUnsetKeepsTheDropoutItBeganWithAndRefusesAnother()
    {
        var options = QuickStandard("resumed-dropout");
        var began = TextClassifierTrainer.Train(options with { Lora = new LoraOptions { Rank = 2, Dropout = 0.1f } }, Reviews());

        var resumed = TextClassifierTrainer.Train(options with { Lora = new LoraOptions { Rank = 2 } }, Reviews());

        Assert.Equal(began.Steps, resumed.Steps);
        Assert.Equal(0.1f, TrainingArtifacts.Open(resumed.ArtifactsDirectory).Properties.Lora!.Dropout);
        foreach (var other in new[] { 0.2f, 0f })
        {
            var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options with { Lora = new LoraOptions { Rank = 2, Dropout = other } }, Reviews()));
            Assert.Equal("TextClassifierTrainingOptions.Lora", refused.Option);
            Assert.EndsWith($"the run in {began.ArtifactsDirectory} has adapters of rank 2, α 2, dropout 0.1, targets query,value; " +
                "train with what it has, or set ExistingRun to Replace to start a new run there", refused.Message);
        }
    }

    /// <summary>
    /// A run begun with <c>Labels</c> in an order of its own, resumed with them left null, keeps them in that order, as
    /// other settings left null take the run's value: the data's labels sorted were refused as other labels than the
    /// run's. Named in another order they are still refused, since its head's rows are its labels in its order.
    /// </summary>
    [Fact]
    public void ARunResumedWithTheLabelsUnsetKeepsTheLabelsInTheOrderItBeganWith()
    {
        var options = QuickStandard("resumed-labels");
        var began = TextClassifierTrainer.Train(options with { Labels = ["positive", "negative"] }, Reviews());

        var resumed = TextClassifierTrainer.Train(options, Reviews());
        var reordered = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options with { Labels = ["negative", "positive"] }, Reviews()));

        Assert.Equal(["positive", "negative"], began.Labels);
        Assert.True(resumed.Resumed);
        Assert.Equal(["positive", "negative"], resumed.Labels);
        Assert.Equal(began.Steps, resumed.Steps);
        Assert.Contains($"differ from the run in {began.ArtifactsDirectory}'s 'positive', 'negative'", reordered.Message);
    }

    /// <summary>A contrastive run reads its own rate: full fine-tuning's, set, is refused as any other (it passed, unread, as the default).</summary>
    [Fact]
    public void AContrastiveRunRefusesAStandardRateSetToFullFineTuningsDefault()
    {
        var options = TextClassifierTrainerTests.Options(_base, _root, "pairs", TrainingMethod.Contrastive);

        var error = Assert.Throws<InvalidOptionException>(() =>
            TextClassifierTrainer.Train(options with { FineTuning = options.FineTuning with { LearningRate = FineTuningOptions.DefaultLearningRate } }, TextClassifierTrainerTests.Reviews(10, 2)));

        Assert.Equal("FineTuningOptions.LearningRate", error.Option);
        Assert.EndsWith("contrastive training reads ContrastiveOptions.LearningRate instead", error.Message);
        Assert.False(Directory.Exists(_root.Combine("artifacts", "pairs")));
    }
}
