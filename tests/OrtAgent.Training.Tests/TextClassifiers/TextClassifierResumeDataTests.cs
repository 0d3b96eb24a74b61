using System.Text.Json.Nodes;
using OrtAgent.Data;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// A resumed call trains on the examples its run began with (<see cref="RecordedSettings.Data"/>): other examples of
/// the same count, another held-out fraction, or validation given where the run held its own out are refused before any
/// step, leaving the artifacts as they were; the same examples in new lists, and a run recorded before the digests, resume.
/// </summary>
public sealed class TextClassifierResumeDataTests : IDisposable
{
    private readonly TempDirectory _root = new("text-classifier-resume-data");
    private readonly string _base;

    public TextClassifierResumeDataTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TextClassifierTrainingOptions Options(string name) =>
        TextClassifierTrainerTests.Options(_base, _root, name, TrainingMethod.Standard);

    private static LabeledExample[] Edited(LabeledExample[] examples) => examples.Select(e => e with { Text = e.Text + " indeed" }).ToArray();

    /// <summary>Asserts that resuming with <paramref name="training"/> and <paramref name="validation"/> is refused and leaves the run as it was.</summary>
    private static TException Refused<TException>(TextClassifierTrainingOptions options, LabeledExample[] training, LabeledExample[]? validation = null)
        where TException : Exception
    {
        var before = TextClassifierTrainerTests.Contents(options.ArtifactsDirectory);
        var observer = new RecordingObserver();
        var error = Assert.Throws<TException>(() => TextClassifierTrainer.Train(options, training, validation, observer));
        Assert.Empty(observer.Steps);
        Assert.Equal(before, TextClassifierTrainerTests.Contents(options.ArtifactsDirectory));
        Assert.False(Directory.Exists(options.OutputDirectory));
        return error;
    }

    [Fact]
    public void OtherExamplesOfTheSameCountOrAnotherHeldOutFractionAreRefusedAndTheSameExamplesResume()
    {
        var training = TextClassifierTrainerTests.Reviews(80, 21);
        var options = Options("held-out");
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 2);
        string rest = "; train with the examples it began with, or set ExistingRun to Replace to start a new run there";

        var edited = Refused<UserInputException>(options, Edited(training));
        Assert.Equal($"the training data: holds other examples than the run in {options.ArtifactsDirectory} began with " +
            $"(its training part: 144 examples, as many as it began with, but other texts or labels, or the same ones in another order){rest}", edited.Message);

        // The same examples in another order are other examples to the run (its shuffle was planned over the order):
        // the refusal said "other texts or labels" only, which they are not.
        var reordered = Refused<UserInputException>(options, training.Reverse().ToArray());
        Assert.EndsWith($"144 examples, as many as it began with, but other texts or labels, or the same ones in another order){rest}", reordered.Message);

        // One example edited in the held-out part only: the training part is the same, its validation is not.
        var heldOut = InMemoryExamples.HoldOut(training, options.ValidationFraction, options.FineTuning.Seed).Validation[0];
        int index = Array.IndexOf(training, heldOut);
        var oneHeldOutEdited = training.Select((e, i) => i == index ? e with { Text = e.Text + " indeed" } : e).ToArray();
        var validationEdited = Refused<UserInputException>(options, oneHeldOutEdited);
        Assert.EndsWith($"(its held-out validation part: 16 examples, as many as it began with, but other texts or labels, or the same ones in another order){rest}", validationEdited.Message);

        var fraction = Refused<InvalidOptionException>(options with { ValidationFraction = 0.2 }, training);
        Assert.Equal("TextClassifierTrainingOptions.ValidationFraction", fraction.Option);
        Assert.Equal($"TextClassifierTrainingOptions.ValidationFraction = 0.2: the run in {options.ArtifactsDirectory} began with 0.1, which a resumed run keeps; " +
            "train with what it has, or set ExistingRun to Replace to start a new run there", fraction.Message);

        var apart = Refused<UserInputException>(options, training, validation: training[..4]);
        Assert.Equal($"the validation data: the run in {options.ArtifactsDirectory} validates on a part held out of its training data; pass no validation examples{rest}", apart.Message);

        // The same examples, in lists of their own, resume.
        var copies = training.Select(e => new LabeledExample(new string(e.Text), new string(e.Label))).ToArray();
        Assert.True(TextClassifierTrainer.Train(options, copies).Resumed);
    }

    /// <summary>
    /// Other examples are refused by their digest before they are tokenized, which was done first and thrown away. The
    /// tokenizing is the first work of the call to watch its token: a call already cancelled meets it only if it tokenizes.
    /// </summary>
    [Fact]
    public void OtherExamplesAreRefusedBeforeTheyAreTokenized()
    {
        var training = TextClassifierTrainerTests.Reviews(80, 25);
        var options = Options("before-tokenizing");
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 2);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var edited = Assert.Throws<UserInputException>(() => TextClassifierTrainer.Train(options, Edited(training), cancellationToken: cancelled.Token));

        Assert.StartsWith($"the training data: holds other examples than the run in {options.ArtifactsDirectory} began with", edited.Message);
        // The same examples do reach the tokenizing, which stops there.
        Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Train(options, training, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void OtherValidationExamplesOrNoneAreRefusedWhereTheRunWasGivenItsOwn()
    {
        var training = TextClassifierTrainerTests.Reviews(80, 22);
        var validation = TextClassifierTrainerTests.Reviews(10, 23);
        var options = Options("given");
        using (var cancel = new CancellationTokenSource())
        {
            var observer = new RecordingObserver { OnStepHook = o => { if (o.Steps.Count == 2) cancel.Cancel(); } };
            Assert.ThrowsAny<OperationCanceledException>(() => TextClassifierTrainer.Train(options, training, validation, observer, cancel.Token));
        }
        string rest = "; train with the examples it began with, or set ExistingRun to Replace to start a new run there";

        var edited = Refused<UserInputException>(options, training, Edited(validation));
        Assert.Equal($"the validation data: holds other examples than the run in {options.ArtifactsDirectory} began with " +
            $"(20 examples, as many as it began with, but other texts or labels, or the same ones in another order){rest}", edited.Message);
        var none = Refused<UserInputException>(options, training);
        Assert.Equal($"the validation data: none was given, and the run in {options.ArtifactsDirectory} validates on examples given apart, 20 of them; pass them again{rest}", none.Message);
        var trainingEdited = Refused<UserInputException>(options, Edited(training), validation);
        Assert.Equal($"the training data: holds other examples than the run in {options.ArtifactsDirectory} began with " +
            $"(160 examples, as many as it began with, but other texts or labels, or the same ones in another order){rest}", trainingEdited.Message);

        Assert.True(TextClassifierTrainer.Train(options, training, validation).Resumed);
    }

    /// <summary>A run whose record has no digests (written before 2026-12-05) resumes on the examples given, as it did.</summary>
    [Fact]
    public void ARunRecordedWithoutTheDigestsResumesOnTheExamplesGiven()
    {
        var training = TextClassifierTrainerTests.Reviews(80, 24);
        var options = Options("old-record");
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 2);
        string record = Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.SettingsRecordFile);
        var settings = JsonNode.Parse(File.ReadAllText(record))!.AsObject();
        Assert.True(settings.Remove("data"));
        File.WriteAllText(record, settings.ToJsonString());

        Assert.True(TextClassifierTrainer.Train(options, Edited(training)).Resumed);
    }
}
