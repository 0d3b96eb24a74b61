using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// <see cref="TextClassifierTrainingOptions.InitFrom"/> on a tiny BERT, as <c>ortagent train --init-from</c>: a run
/// starts from a trained model's weights, or trains on its adapter at its rank; a model of other labels, shapes or base,
/// or a whole model under LoRA, is refused naming the option before anything is written, and a resumed run keeps the
/// model it began from.
/// </summary>
public sealed class TextClassifierTrainerInitFromTests() : TinyBertTrainerTestBase("text-classifier-trainer-init-from")
{
    /// <summary>Options of a standard run of one epoch, named <paramref name="name"/>.</summary>
    private TextClassifierTrainingOptions Standard(string name)
    {
        var options = Options(name, TrainingMethod.Standard);
        return options with { FineTuning = options.FineTuning with { Epochs = 1 } };
    }

    /// <summary>Trains a standard model on <paramref name="training"/> into <c>models/<paramref name="name"/></c>, to start other runs from.</summary>
    private string TrainedModel(string name, LabeledExample[] training) =>
        TextClassifierTrainer.Train(Options(name, TrainingMethod.Standard), training).OutputDirectory;

    /// <summary>A run from a trained model starts where that model ended: its first loss is far below a run from the base's.</summary>
    [Fact]
    public void InitFromStartsFromTheModelsWeightsAndRecordsIt()
    {
        var training = Reviews(80, 7);
        string model = TrainedModel("first", training);
        var fresh = new RecordingObserver();
        var retrained = new RecordingObserver();
        var options = Options("fresh", TrainingMethod.Standard);
        TextClassifierTrainer.Train(options, training, observer: fresh);

        var result = TextClassifierTrainer.Train(Options("retrained", TrainingMethod.Standard) with { InitFrom = model }, training, observer: retrained);

        Assert.True(retrained.Steps[0].Loss < fresh.Steps[0].Loss * 0.75, $"first loss {retrained.Steps[0].Loss} from the model, {fresh.Steps[0].Loss} from the base");
        Assert.Equal(model, RecordedSettings.Read(result.ArtifactsDirectory)!.InitFrom);
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Equal(["negative", "positive"], classifier.Labels);
    }

    public static TheoryData<string, string> BadInitFrom => new()
    {
        { "missing", "TextClassifierTrainingOptions.InitFrom = '{0}': does not exist" },
        { "blank", "TextClassifierTrainingOptions.InitFrom = ' ': is blank" },
        { "labels", "the training data: labels 'good', 'negative' differ from the TextClassifierTrainingOptions.InitFrom model {0}'s 'negative', 'positive'" },
        { "label order", "TextClassifierTrainingOptions.Labels = 'positive,negative': the TextClassifierTrainingOptions.InitFrom model {0} has 'negative', 'positive', in this order" },
    };

    [Theory]
    [MemberData(nameof(BadInitFrom))]
    public void ABadInitFromIsRefusedNamingTheOptionBeforeAnythingIsWritten(string mistake, string expected)
    {
        string model = _root.Combine("trained");
        var training = Reviews(80, 8);
        if (mistake is "labels" or "label order")
        {
            var trained = TextClassifierTrainer.Train(Options("source", TrainingMethod.Standard) with { FineTuning = Options("source").FineTuning with { Epochs = 1 } }, training);
            Directory.Move(trained.OutputDirectory, model);
            Directory.Delete(_root.Combine("models"), recursive: true);
            Directory.Delete(_root.Combine("artifacts"), recursive: true);
        }
        var options = Options("refused", TrainingMethod.Standard) with { InitFrom = mistake == "blank" ? " " : model };
        if (mistake == "labels") training = [.. training.Select(e => e.Label == "positive" ? e with { Label = "good" } : e)];
        if (mistake == "label order") options = options with { Labels = ["positive", "negative"] };

        var error = Assert.ThrowsAny<UserInputException>(() => TextClassifierTrainer.Train(options, training));

        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, model), error.Message);
        AssertNothingWritten();
    }

    /// <summary>A model of another base has weights of other shapes: refused naming the option, and the artifacts generated for it are removed.</summary>
    [Fact]
    public void InitFromAModelOfAnotherBaseIsRefusedAndLeavesNoArtifacts()
    {
        string otherBase = _root.Combine("other-base");
        TinyBertBuilder.WriteBaseModel(otherBase, new TinyBertOptions { Intermediate = 48 });
        var training = Reviews(80, 16);
        string model = TextClassifierTrainer.Train(Standard("other") with { BaseModel = otherBase }, training).OutputDirectory;
        var options = Standard("mismatch") with { InitFrom = model };

        var error = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, training));

        Assert.StartsWith($"TextClassifierTrainingOptions.InitFrom {model}: the model has no weight '", error.Message);
        Assert.EndsWith("was it trained from the same base model?", error.Message);
        Assert.False(Directory.Exists(options.ArtifactsDirectory));
        Assert.False(Directory.Exists(options.OutputDirectory));
    }

    /// <summary>
    /// Replacing a stopped run with one from a model of another base is refused before the stopped run is touched: it
    /// stays byte for byte, and the next call resumes it. The weights were checked once the new run's artifacts were
    /// written over it, so the refusal came with its checkpoint gone and the directory left marked as being set up.
    /// </summary>
    [Fact]
    public void ReplacingAStoppedRunFromAModelOfAnotherBaseIsRefusedAndKeepsTheStoppedRun()
    {
        string otherBase = _root.Combine("other-base");
        TinyBertBuilder.WriteBaseModel(otherBase, new TinyBertOptions { Intermediate = 48 });
        var training = Reviews(80, 17);
        string model = TextClassifierTrainer.Train(Standard("other") with { BaseModel = otherBase }, training).OutputDirectory;
        var options = Options("stopped", TrainingMethod.Standard);
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 2);
        var before = TextClassifierTrainerTests.Contents(options.ArtifactsDirectory);

        var error = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options with { InitFrom = model, ExistingRun = ExistingRun.Replace }, training));

        Assert.StartsWith($"TextClassifierTrainingOptions.InitFrom {model}: the model has no weight '", error.Message);
        Assert.Equal(before, TextClassifierTrainerTests.Contents(options.ArtifactsDirectory));
        Assert.True(TextClassifierTrainer.Train(options, training).Resumed);
    }

    [Fact]
    public void AResumedRunRefusesAnotherInitFrom()
    {
        var training = Reviews(80, 9);
        string model = TrainedModel("start", training);
        var options = Options("from-model", TrainingMethod.Standard) with { InitFrom = model };
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 2);
        var before = TextClassifierTrainerTests.Contents(options.ArtifactsDirectory);

        var refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options with { InitFrom = null }, training));

        Assert.Equal("TextClassifierTrainingOptions.InitFrom", refused.Option);
        Assert.Equal($"TextClassifierTrainingOptions.InitFrom = null: the run in {options.ArtifactsDirectory} began from {model}, which a resumed run keeps; " +
            "train with what it has, or set ExistingRun to Replace to start a new run there", refused.Message);
        Assert.Equal(before, TextClassifierTrainerTests.Contents(options.ArtifactsDirectory));
        Assert.True(TextClassifierTrainer.Train(options, training).Resumed);
    }

    /// <summary>
    /// A model fine-tuned from another named base, with the same shapes, was taken: its weights replaced the base's
    /// and the model said it was of the base asked for. The records of both are compared before anything is written.
    /// </summary>
    [Fact]
    public void InitFromAModelOfAnotherNamedBaseIsRefusedBeforeAnythingIsWritten()
    {
        var training = Reviews(40, 21);
        string described = _root.Combine("described-base");
        TinyBertBuilder.WriteBaseModel(described);
        var architecture = BaseModels.BaseModel.Open(described).Architecture;
        BaseModels.BaseModelDescriptor.Create("tiny-described", null, null, "0", "0", architecture).Save(Path.Combine(described, BaseModels.BaseModelDescriptor.FileName));
        string model = TrainedModel("from-plain-base", training);
        var options = Standard("other-named-base") with { BaseModel = described, InitFrom = model };

        var error = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, training));

        Assert.Equal($"TextClassifierTrainingOptions.InitFrom {model}: was fine-tuned from base, and its weights would replace tiny-described's; "
            + "set TextClassifierTrainingOptions.BaseModel to base, or start from a model trained from tiny-described", error.Message);
        Assert.False(Directory.Exists(options.ArtifactsDirectory));
    }

    /// <summary>LoRA from a whole model (merged at export, so it holds no adapter) was refused only after the artifacts were built.</summary>
    [Fact]
    public void LoraFromAWholeModelIsRefusedBeforeAnythingIsWritten()
    {
        var training = Reviews(40, 22);
        string model = TrainedModel("whole", training);
        var options = Standard("lora-from-whole") with { InitFrom = model, Lora = new LoraOptions { Rank = 2 } };

        var error = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, training));

        Assert.Equal($"TextClassifierTrainingOptions.InitFrom {model}: is a whole model, with no LoRA adapter to train on; "
            + "to continue LoRA training, start from an adapter written by PeftAdapter.Write, or leave TextClassifierTrainingOptions.Lora unset", error.Message);
        Assert.False(Directory.Exists(options.ArtifactsDirectory));
    }

    /// <summary>
    /// A run from a LoRA adapter (as <c>export --adapter-only</c> writes it) trains on with the adapter's rank, refuses
    /// another rank, and refuses contrastive training, which has no adapters.
    /// </summary>
    [Fact]
    public void InitFromAnAdapterTrainsOnWithItsRankAndRefusesAnother()
    {
        var training = Reviews(80, 15);
        var first = TextClassifierTrainer.Train(Standard("adapter-run") with { Lora = new LoraOptions { Rank = 2 } }, training);
        var artifacts = TrainingArtifacts.Open(first.ArtifactsDirectory);
        string adapter = _root.Combine("adapter");
        PeftAdapter.Write(artifacts.Properties, Training.Checkpoints.SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.ToList(), adapter);

        var other = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(Standard("refused") with { InitFrom = adapter, Lora = new LoraOptions { Rank = 4 } }, training));
        var pairs = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(Options("refused") with { InitFrom = adapter }, Reviews(10, 15)));
        // Named as the facade's own option, not in the graph builder's words (TrainingArtifactsOptions).
        var frozen = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(Standard("refused") with { InitFrom = adapter, FreezeLayers = "0" }, training));
        var result = TextClassifierTrainer.Train(Standard("from-adapter") with { InitFrom = adapter }, training);

        Assert.StartsWith($"TextClassifierTrainingOptions.InitFrom {adapter}: the adapter has rank 2, α 2 and targets query,value; LoraOptions.Rank 4 cannot continue it", other.Message);
        Assert.Equal("TextClassifierTrainingOptions.InitFrom", pairs.Option);
        Assert.Equal("TextClassifierTrainingOptions.FreezeLayers", frozen.Option);
        Assert.EndsWith("does not combine with an adapter as TextClassifierTrainingOptions.InitFrom, which freezes every base weight already and trains only the adapters and the head; drop TextClassifierTrainingOptions.FreezeLayers, or train without LoRA", frozen.Message);
        Assert.Contains("applies to standard fine-tuning; TextClassifierTrainingOptions.Method = Auto chose contrastive", pairs.Message);
        Assert.False(Directory.Exists(_root.Combine("artifacts", "refused")));
        Assert.Equal(2, TrainingArtifacts.Open(result.ArtifactsDirectory).Properties.Lora!.Rank);
        using var classifier = TextClassifier.Load(result.OutputDirectory);
        Assert.Contains(classifier.Predict("the food was great").Label, result.Labels);
    }
}
