using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// <see cref="TextClassifierTrainer.Train"/> given a distillation's artifacts: an unfinished one failed inside training
/// ("the data set carries none" of the teacher logits its graphs read), and a finished one was exported again as a
/// standard model, over the student's card when the output was the distillation's. Both are refused before anything
/// is written, as <see cref="TextClassifierTrainer.Distill"/> refuses a classifier's training.
/// </summary>
public sealed class TextClassifierTrainOnDistillationTests : IDisposable
{
    private readonly TempDirectory _root = new("train-on-distillation");
    private readonly string _base;
    private readonly LabeledExample[] _training = TextClassifierTrainerTests.Reviews(20, 3);

    public TextClassifierTrainOnDistillationTests()
    {
        _base = _root.Combine("base-2");
        TinyBertBuilder.WriteBaseModel(_base, new TinyBertOptions { Layers = 2, Seed = 5 });
    }

    public void Dispose() => _root.Dispose();

    private TextClassifierDistillationOptions Distillation(string teacher) => new()
    {
        Teacher = teacher,
        ArtifactsDirectory = _root.Combine("artifacts", "student"),
        OutputDirectory = _root.Combine("models", "student"),
        Distillation = new DistillationOptions { Layers = 1 },
        FineTuning = new FineTuningOptions { Epochs = 2, BatchSize = 8, LearningRate = 5e-3, MinimumSteps = 0, Seed = 5, Metric = ValidationMetric.Accuracy },
        Session = new OrtSessionSettings { IntraOpThreads = 1 },
    };

    [Fact]
    public void ADistillationsArtifactsAreRefusedWhetherItsRunHasFinishedOrNot()
    {
        var teacher = TextClassifierTrainer.Train(TextClassifierTrainerTests.Options(_base, _root, "teacher", TrainingMethod.Standard), _training).OutputDirectory;
        var distillation = Distillation(teacher);
        using (var cancel = new CancellationTokenSource())
        {
            var observer = new RecordingObserver { OnStepHook = o => { if (o.Steps.Count == 2) cancel.Cancel(); } };
            Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Distill(distillation, _training, observer: observer, cancellationToken: cancel.Token));
        }
        var training = TextClassifierTrainerTests.Options(_base, _root, "over-student", TrainingMethod.Standard) with
        {
            ArtifactsDirectory = distillation.ArtifactsDirectory,
            FineTuning = distillation.FineTuning,
        };
        string expected = $"TextClassifierTrainingOptions.ArtifactsDirectory {distillation.ArtifactsDirectory}: holds a distillation (a student learning from a teacher), " +
            "not a classifier's training; continue it with TextClassifierTrainer.Distill, or set ExistingRun to Replace to start a new run there";

        var unfinished = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(training, _training));
        Assert.Equal(expected, unfinished.Message);
        Assert.False(Directory.Exists(training.OutputDirectory));

        // The distillation itself still resumes and finishes; then its export is refused to Train too, and left as it was.
        var student = TextClassifierTrainer.Distill(distillation, _training);
        Assert.True(student.Resumed);
        var card = File.ReadAllText(Path.Combine(student.OutputDirectory, "README.md"));
        var finished = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(training with { OutputDirectory = student.OutputDirectory }, _training));
        Assert.Equal(expected, finished.Message);
        Assert.Equal(card, File.ReadAllText(Path.Combine(student.OutputDirectory, "README.md")));
        Assert.False(Directory.Exists(training.OutputDirectory));

        // Resumed with a teacher of other labels, the student's run says both sets (the check shared with distill had
        // dropped them for a bare "the student's labels differ from the teacher's").
        LabeledExample[] renamed = [.. _training.Select(e => e with { Label = e.Label == "positive" ? "good" : "bad" })];
        var other = TextClassifierTrainer.Train(TextClassifierTrainerTests.Options(_base, _root, "other-teacher", TrainingMethod.Standard), renamed).OutputDirectory;
        var labels = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Distill(distillation with { Teacher = other }, renamed));
        Assert.Contains("the student's labels 'negative', 'positive' differ from the teacher's 'bad', 'good'", labels.Message);
    }

    /// <summary>
    /// Artifacts generated with a loss other than cross-entropy (<c>ortagent artifacts --loss bce|mse|kd</c>): their
    /// training graph takes float targets or a teacher's logits, and the run failed in ONNX Runtime at its first step
    /// ("Unexpected input data type"). Refused before anything is written, in words for what the artifacts hold.
    /// </summary>
    [Theory]
    [InlineData(LossKind.BinaryCrossEntropy, "these artifacts are built for multi-label classification (loss bce, as 'ortagent artifacts --loss bce' writes them): their training graph takes a 0 or 1 for every label of a text")]
    [InlineData(LossKind.MeanSquaredError, "these artifacts are built for regression (loss mse, as 'ortagent artifacts --loss mse' writes them): their training graph takes a number for every output")]
    [InlineData(LossKind.Distillation, "these artifacts have the distillation loss (kd) on the base model {0} itself, not a student cut from a teacher (as 'ortagent artifacts --loss kd' writes them): their training graph takes a teacher's logits for every text")]
    public void ArtifactsOfAnotherLossAreRefusedBeforeAnyStep(LossKind loss, string what)
    {
        var training = TextClassifierTrainerTests.Options(_base, _root, "other-loss", TrainingMethod.Standard);
        TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = _base, Labels = ["negative", "positive"], Loss = loss }, training.ArtifactsDirectory);
        var before = Directory.GetFiles(training.ArtifactsDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f).Ticks}").ToArray();

        var refused = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(training, _training));

        Assert.Equal($"TextClassifierTrainingOptions.ArtifactsDirectory {training.ArtifactsDirectory}: {string.Format(what, _base)}; "
            + "TextClassifierTrainer.Train trains single-label classifiers (loss ce): set ExistingRun to Replace to start a new run there", refused.Message);
        Assert.Equal(before, Directory.GetFiles(training.ArtifactsDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f).Ticks}").ToArray());
        Assert.False(Directory.Exists(training.OutputDirectory));
    }
}
