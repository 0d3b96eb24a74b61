using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Data;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// Labels that do not fit the artifacts are refused before the first step. A label past the head's outputs trained
/// silently, or threw IndexOutOfRangeException at the first evaluation; a wrong-length name list threw after training.
/// </summary>
public sealed class TrainingLabelsTests : IDisposable
{
    private readonly TempDirectory _root = new("training-labels");
    private readonly string _base;

    public TrainingLabelsTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TrainingSession Session(string name, TrainingObjective objective = TrainingObjective.Classification) =>
        TrainingSession.Create(TrainingArtifacts.Generate(
            new TrainingArtifactsOptions { BaseModel = _base, Labels = ["no", "yes"], Seed = 3, Objective = objective }, _root.Combine(name)),
            new OrtSessionSettings());

    private static FineTuningOptions Options => new() { Epochs = 1, BatchSize = 8, Seed = 11, Metric = ValidationMetric.Accuracy, MinimumSteps = 0 };

    /// <summary><see cref="FineTunerTests.Synthetic"/> with example <paramref name="at"/> labelled <paramref name="label"/>.</summary>
    private static TokenizedDataset WithLabel(int count, int seed, int at, int label)
    {
        var data = FineTunerTests.Synthetic(count, seed);
        var examples = Enumerable.Range(0, count).Select(i => data.Tokens(i).ToArray()).ToList();
        return TokenizedDataset.FromTokens(examples, Enumerable.Range(0, count).Select(i => i == at ? label : data.Label(i)).ToList());
    }

    [Theory]
    [InlineData(true, 5, "the training set's example 3 has label 5; with 2 labels, a label is 0 to 1")]
    [InlineData(true, -1, "the training set's example 3 has label -1; with 2 labels, a label is 0 to 1")]
    [InlineData(false, 2, "the validation set's example 3 has label 2; with 2 labels, a label is 0 to 1")]
    public void ALabelOutsideTheNamesIsRefusedBeforeTheFirstStep(bool inTraining, int label, string message)
    {
        using var session = Session("range");
        var observer = new RecordingObserver();
        var tuner = new FineTuner(session, Options, ["no", "yes"], padId: 0, observer);
        var train = inTraining ? WithLabel(16, 1, at: 3, label) : FineTunerTests.Synthetic(16, 1);
        var validation = inTraining ? FineTunerTests.Synthetic(8, 2) : WithLabel(8, 2, at: 3, label);

        var error = Assert.Throws<UserInputException>(() => tuner.Run(train, validation, null, default));

        Assert.Equal(message, error.Message);
        Assert.Empty(observer.Steps);
        Assert.Throws<UserInputException>(() => tuner.Evaluate(WithLabel(8, 2, at: 0, label: 7)));
    }

    [Fact]
    public void LabelNamesThatDoNotMatchTheArtifactsAreRefusedByTheConstructor()
    {
        using var session = Session("names");

        var error = Assert.Throws<UserInputException>(() => new FineTuner(session, Options, ["no", "yes", "maybe"], padId: 0, new RecordingObserver()));

        Assert.Equal($"3 label names were given, and the artifacts in '{session.Artifacts.Directory}' have 2 labels (no, yes)", error.Message);
        Assert.Throws<ArgumentNullException>(() => new FineTuner(session, Options, null!, padId: 0, new RecordingObserver()));
    }

    [Fact]
    public void TheContrastiveTrainerChecksItsLabelsAsTheFineTunerDoes()
    {
        using var session = Session("contrastive", TrainingObjective.PairSimilarity);
        var options = new ContrastiveOptions { Epochs = 1, BatchSize = 8, MinimumSteps = 0, PairRounds = 2 };
        Assert.Throws<UserInputException>(() => new ContrastiveTrainer(session, options, ["no"], padId: 0, new RecordingObserver(), new OrtSessionSettings()));
        var observer = new RecordingObserver();
        var trainer = new ContrastiveTrainer(session, options, ["no", "yes"], padId: 0, observer, new OrtSessionSettings());

        var error = Assert.Throws<UserInputException>(() => trainer.Run(WithLabel(16, 1, at: 9, label: 2), FineTunerTests.Synthetic(8, 2), null, default));

        Assert.Equal("the training set's example 9 has label 2; with 2 labels, a label is 0 to 1", error.Message);
        Assert.Empty(observer.Steps);
    }
}
