using OrtAgent.Training.Adapters;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// The facade's model card had the labels and metrics alone, where <c>ortagent train</c>'s tells the method, the data,
/// the hyperparameters, the run and the adapters; it now has the same sections, with the settings it trained with and
/// its data named as given in memory.
/// </summary>
public sealed class TextClassifierTrainerCardTests : IDisposable
{
    private readonly TempDirectory _root = new("text-classifier-card");
    private readonly string _base;

    public TextClassifierTrainerCardTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TextClassifierTrainingOptions Options(string name, TrainingMethod method) => TextClassifierTrainerTests.Options(_base, _root, name, method);

    private static Dictionary<string, string> SectionsOf(TextClassifierTrainingResult result) =>
        ModelCard.SectionsOf(File.ReadAllText(Path.Combine(result.OutputDirectory, "README.md")));

    [Fact]
    public void AStandardRunsCardNamesItsMethodDataHyperparametersAndRun()
    {
        var result = TextClassifierTrainer.Train(Options("standard", TrainingMethod.Standard), TextClassifierTrainerTests.Reviews(40, 1));

        var sections = SectionsOf(result);
        Assert.Equal(["Method", "Data", "Hyperparameters", "Run"], sections.Keys);
        Assert.Equal("standard (asked for)", sections["Method"]);
        // "80 examples given in memory, 72 examples" left the reader to guess what the second count was.
        Assert.Equal("- training: 80 examples given in memory, 72 trained on\n" +
            "- validation: 8 held out of 80 examples given in memory (stratified, seed 5), 8 validated on\n" +
            "- examples per label (training/validation): `negative` 36/4, `positive` 36/4", sections["Data"]);
        // No least number of steps (MinimumSteps 0): "3 (at least 0 steps)" said one all the same.
        Assert.Equal("| setting | value |\n|---|---|\n| epochs | 3 |\n| batch size | 16 × 1 accumulation |\n" +
            "| learning rate | 5e-3 (linear, warmup 0.1) |\n| weight decay | 0.01 |\n| max grad norm | 1 |\n| max length | 64 |\n| pooling | mean |\n" +
            "| dropout | 0.1 |\n| frozen | none |\n| class weights | none |\n| label smoothing | 0 |\n| seed | 5 |\n" +
            "| early stopping | accuracy, patience 2, mean of 3 evaluations under 100 validation examples; off, the last model kept, under 20 |",
            sections["Hyperparameters"]);
        // The facade writes no metrics.jsonl or chart (train's observer does): the card listed them all the same.
        Assert.Matches($@"^{result.Steps} optimizer steps in \d\d:\d\d:\d\d; the last model kept \(8 validation examples are too few to choose by\)\.$", sections["Run"]);
        Assert.False(File.Exists(Path.Combine(result.OutputDirectory, "metrics.jsonl")));
        // Kept in the artifacts as train keeps its card, so that export --checkpoint of the run says the same.
        Assert.Equal(sections, ModelCard.SectionsOf(File.ReadAllText(Path.Combine(result.ArtifactsDirectory, OrtAgent.Training.Artifacts.TrainingArtifacts.ModelCardRecordFile))));
        // And what it could say before training, kept as the run started, for an export of the run before it finishes.
        Assert.Equal(sections.Where(s => s.Key != "Run"),
            ModelCard.SectionsOf(File.ReadAllText(Path.Combine(result.ArtifactsDirectory, OrtAgent.Training.Artifacts.TrainingArtifacts.StartingCardRecordFile))));
        // The result prints its labels (it printed "Labels = OrtAgent.Data.LabelSet").
        Assert.Contains($"Labels = [{string.Join(", ", result.Labels)}], Method = standard (asked for), ", result.ToString());
        Assert.DoesNotContain("OrtAgent.", result.ToString());
        // distill takes a teacher's data from its card: examples given in memory are no file to read again.
        Assert.Equal((null, null), ClassifierTrainingCard.RecordedData(File.ReadAllText(Path.Combine(result.OutputDirectory, "README.md"))));
    }

    [Fact]
    public void ALoraRunAtTheDefaultRateTrainsAtLorasAndARunFromAModelNamesItInItsCard()
    {
        var standard = Options("lora-default", TrainingMethod.Standard);
        var quick = standard.FineTuning with { Epochs = 1, MinimumSteps = 1 };
        // Left unset, as train without --lr: the run trains at LoRA's.
        var result = TextClassifierTrainer.Train(standard with { Lora = new LoraOptions { Rank = 2 }, FineTuning = quick with { LearningRate = null } },
            TextClassifierTrainerTests.Reviews(40, 1));
        var sections = SectionsOf(result);
        Assert.Contains("| learning rate | 1e-3 (linear", sections["Hyperparameters"]);
        Assert.DoesNotContain("Started from", sections.Keys);

        var next = Options("from-model", TrainingMethod.Standard);
        var second = TextClassifierTrainer.Train(next with { InitFrom = result.OutputDirectory, FineTuning = quick }, TextClassifierTrainerTests.Reviews(40, 1));
        Assert.StartsWith($"The model in `{result.OutputDirectory}`", SectionsOf(second)["Started from"]);
    }

    [Fact]
    public void ALoraRunsCardHasTheAdapterSectionAndItsValidationDataGivenApart()
    {
        var standard = Options("lora", TrainingMethod.Standard);
        var options = standard with
        {
            Lora = new LoraOptions { Rank = 2, Targets = LoraTargets.Query | LoraTargets.Value },
            FineTuning = standard.FineTuning with { MinimumSteps = 1 },   // one step, in the singular
        };

        var result = TextClassifierTrainer.Train(options, TextClassifierTrainerTests.Reviews(40, 1), TextClassifierTrainerTests.Reviews(10, 2));

        var sections = SectionsOf(result);
        Assert.Equal(["Method", "Data", "Hyperparameters", "Run", "LoRA"], sections.Keys);
        Assert.Equal("- training: 80 examples given in memory, 80 trained on\n- validation: 20 examples given in memory, 20 validated on\n" +
            "- examples per label (training/validation): `negative` 40/10, `positive` 40/10", sections["Data"]);
        Assert.Contains("| epochs | 3 (at least 1 step) |\n| batch size | 16 × 1 accumulation |\n| learning rate | 5e-3 (linear, warmup 0.1) |", sections["Hyperparameters"]);
        Assert.Contains("\n| frozen | the base weights (LoRA trains its adapters and the head) |\n", sections["Hyperparameters"]);
        Assert.Contains("\n| rank | 2 |\n| alpha | 2 (scale 1) |\n| dropout | 0 |\n| targets | query, value (4 weights) |\n", sections["LoRA"]);
        Assert.StartsWith($"{result.Steps} optimizer steps in ", sections["Run"]);
    }

    [Fact]
    public void AContrastiveRunsCardHasItsPairSettingsAndHead()
    {
        var result = TextClassifierTrainer.Train(Options("contrastive", TrainingMethod.Contrastive), TextClassifierTrainerTests.Reviews(10, 2));

        var sections = SectionsOf(result);
        Assert.Equal(["Method", "Data", "Hyperparameters", "Run"], sections.Keys);
        Assert.StartsWith("contrastive (asked for). Stage 1 fine-tunes the encoder on sentence pairs", sections["Method"]);
        Assert.Equal("- training: 20 examples given in memory, 18 trained on\n" +
            "- validation: 2 held out of 20 examples given in memory (stratified, seed 5), 2 validated on\n" +
            "- examples per label (training/validation): `negative` 9/1, `positive` 9/1", sections["Data"]);
        Assert.Matches(@"^\| setting \| value \|\n\|---\|---\|\n\| stage-1 loss \| cosine \|\n\| pair rounds \| 2 \(\d+ pairs, half positive\) \|\n\| contrastive epochs \| 1 \|\n" +
            @"\| batch size \| 16 pairs \|\n\| learning rate \| 1e-3 \(linear, warmup 0\.1\) \|\n\| weight decay \| 0\.01 \|\n\| max grad norm \| 1 \|\n" +
            @"\| max length \| 64 \|\n\| frozen \| none \|\n\| head C \| [^\n]+ \|\n\| seed \| 5 \|$", sections["Hyperparameters"]);
        Assert.StartsWith($"{result.Steps} optimizer steps of the encoder and the head fit in ", sections["Run"]);
        Assert.DoesNotContain("Files:", sections["Run"]);
    }

    /// <summary>
    /// The card never said what a run froze (its artifacts record it): the hyperparameters give the freeze patterns, layer
    /// ranges expanded, and the parameter tensors they froze, on a standard run's card (and the one kept as it starts, which
    /// an export of the unfinished run uses) and on a contrastive run's.
    /// </summary>
    [Fact]
    public void AFrozenRunsCardSaysWhatItFroze()
    {
        var standard = Options("frozen", TrainingMethod.Standard);
        var result = TextClassifierTrainer.Train(standard with { Freeze = ["embeddings"], FreezeLayers = "0", FineTuning = standard.FineTuning with { Epochs = 1 } },
            TextClassifierTrainerTests.Reviews(40, 1));

        var properties = OrtAgent.Training.Artifacts.TrainingArtifacts.Open(result.ArtifactsDirectory).Properties;
        int all = properties.TrainableParameters.Count + properties.FrozenParameters.Count;
        Assert.Contains($"\n| frozen | `embeddings`, `encoder.layer.0.*` ({properties.FrozenParameters.Count} of {all} parameter tensors) |\n", SectionsOf(result)["Hyperparameters"]);
        Assert.Contains(properties.FrozenParameters, p => p.StartsWith("encoder.layer.0.", StringComparison.Ordinal));
        Assert.Equal(SectionsOf(result)["Hyperparameters"], ModelCard.SectionsOf(File.ReadAllText(
            Path.Combine(result.ArtifactsDirectory, OrtAgent.Training.Artifacts.TrainingArtifacts.StartingCardRecordFile)))["Hyperparameters"]);

        var contrastive = TextClassifierTrainer.Train(Options("frozen-contrastive", TrainingMethod.Contrastive) with { FreezeLayers = "1" }, TextClassifierTrainerTests.Reviews(10, 2));
        var frozen = OrtAgent.Training.Artifacts.TrainingArtifacts.Open(contrastive.ArtifactsDirectory).Properties.FrozenParameters.Count;
        Assert.Matches($@"\n\| frozen \| `encoder\.layer\.1\.\*` \({frozen} of \d+ parameter tensors\) \|\n", SectionsOf(contrastive)["Hyperparameters"]);
    }

    /// <summary>
    /// The run printed "training 2 epochs to take at least 10 steps" and its card said "1 (at least 10 steps)": the card
    /// gives the epochs taken, and the ones asked for beside them, as it gives a batch size cut to the data.
    /// </summary>
    [Fact]
    public void ACardGivesTheEpochsTheLeastStepsRaisedAndTheOnesAskedFor()
    {
        var standard = Options("raised", TrainingMethod.Standard);
        var observer = new Tests.Trainer.RecordingObserver();

        // 72 training examples at batch 16: 5 steps an epoch, so 2 epochs take at least 10.
        var result = TextClassifierTrainer.Train(standard with { FineTuning = standard.FineTuning with { Epochs = 1, MinimumSteps = 10 } },
            TextClassifierTrainerTests.Reviews(40, 1), observer: observer);

        Assert.Contains("5 optimizer steps an epoch: training 2 epochs to take at least 10 steps.", observer.Messages);
        Assert.Equal(10, result.Steps);
        Assert.StartsWith("| setting | value |\n|---|---|\n| epochs | 2 (to take at least 10 steps; 1 asked for) |\n", SectionsOf(result)["Hyperparameters"]);
    }

    /// <summary>
    /// A contrastive batch size above the pairs of an epoch was cut to them without a word, and the card gave the size
    /// asked for; it is said once, as standard fine-tuning says it of its examples, and the card gives the batch trained at.
    /// </summary>
    [Fact]
    public void AContrastiveBatchSizeOverThePairsIsSaidOnceAndTheCardGivesTheBatchTrainedAt()
    {
        var options = Options("all-pairs", TrainingMethod.Contrastive);
        options = options with { Contrastive = options.Contrastive with { BatchSize = 100 } };
        var observer = new Tests.Trainer.RecordingObserver();

        var result = TextClassifierTrainer.Train(options, TextClassifierTrainerTests.Reviews(10, 2), observer: observer);

        // 18 training examples, each paired twice in each of 2 rounds: 72 pairs, one step.
        Assert.Equal(1, result.Steps);
        Assert.Single(observer.Messages, "Batch size 100 is more than the 72 pairs of an epoch: each step takes all 72.");
        Assert.Contains("\n| batch size | 72 pairs (every pair; 100 asked for) |\n", SectionsOf(result)["Hyperparameters"]);
        var again = new Tests.Trainer.RecordingObserver();
        TextClassifierTrainer.Train(options, TextClassifierTrainerTests.Reviews(10, 2), observer: again);
        Assert.DoesNotContain(again.Messages, m => m.StartsWith("Batch size", StringComparison.Ordinal));
    }
}
