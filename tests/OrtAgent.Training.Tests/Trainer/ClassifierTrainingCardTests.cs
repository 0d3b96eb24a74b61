using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Data;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// The card's Run line gives the time the call trained only as the run's when the call began the run: <c>train
/// --resume</c> of a finished run wrote "N optimizer steps in 00:00:00", the time of a call that took no step.
/// </summary>
public sealed class ClassifierTrainingCardTests : IDisposable
{
    private readonly TempDirectory _root = new("classifier-training-card");

    public void Dispose() => _root.Dispose();

    /// <summary>One example passed in memory was "1 examples given in memory" on the card.</summary>
    [Fact]
    public void OneExampleGivenInMemoryIsSingular()
    {
        var apart = ClassifierTrainingCard.InMemory(["a", "b"], given: 12, training: Examples([6, 6]), validation: Examples([1, 0]), heldOutBySeed: null);

        Assert.Equal(("12 examples given in memory", "1 example given in memory"), (apart.Training, apart.Validation));
    }

    /// <summary>
    /// The card gave the data's totals only: not how many examples each class had, nor that a class no validation
    /// example has was never checked, which the run warned of and a reader of its validation metrics could not see.
    /// </summary>
    [Fact]
    public void TheDataSectionGivesEachLabelsExamplesAndNamesTheLabelsNotValidated()
    {
        var data = ClassifierTrainingCard.InMemory(["billing", "rare", "bug report"], given: 60, training: Examples([40, 5, 10]), validation: Examples([4, 0, 1]),
            heldOutBySeed: 42);

        Assert.Equal(
            "- training: 60 examples given in memory, 55 trained on\n" +
            "- validation: 5 held out of 60 examples given in memory (stratified, seed 42), 5 validated on\n" +
            "- examples per label (training/validation): `billing` 40/4, `rare` 5/0, `bug report` 10/1\n" +
            "- not validated: `rare` (no validation example has this label, so the validation metrics say nothing of it)",
            ClassifierTrainingCard.DataSection(data));
        Assert.DoesNotContain("not validated", ClassifierTrainingCard.DataSection(
            ClassifierTrainingCard.InMemory(["a", "b"], given: 4, training: Examples([1, 1]), validation: Examples([1, 1]), heldOutBySeed: 1)));
    }

    // A tokenized set with this many examples of each label, in label order.
    private static TokenizedDataset Examples(int[] perLabel)
    {
        var labels = perLabel.SelectMany((count, label) => Enumerable.Repeat(label, count)).ToList();
        return TokenizedDataset.FromTokens(labels.Select(label => new[] { 101, 1000 + label, 102 }).ToList(), labels);
    }

    [Theory]
    [InlineData(null, "10 optimizer steps in 01:02:03; ")]
    [InlineData(0L, "10 optimizer steps in 01:02:03; ")]
    [InlineData(4L, "10 optimizer steps (the last 6 in 01:02:03, resumed at step 4); ")]
    [InlineData(10L, "10 optimizer steps; ")]
    public void TheRunLineTimesOnlyTheStepsThisCallTook(long? resumedAtStep, string expected)
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        var properties = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["negative", "positive"] }, _root.Combine("artifacts")).Properties;
        var result = new FineTuningResult(null, null, BestStep: 10, Steps: 10, StoppedEarly: false, [], new TimeSpan(1, 2, 3));

        var sections = ClassifierTrainingCard.Sections(new FineTuningOptions(), new ContrastiveOptions(), 0.01, 64, properties,
            new ClassifierTrainingCard.DataSources(["negative", "positive"], "training", 20, "validation", 4), result, resumedAtStep,
            new TrainingMethodChoice(TrainingMethod.Standard, "asked for"), contrastive: null, withRunLog: false);

        Assert.StartsWith(expected, sections["Run"]);
    }

    /// <summary>
    /// The hyperparameter table wrote its reals as .NET does ("| weight decay | 1E-05 |", a form no option takes) and a
    /// learning rate left unset as "null"; they read as the user types them now.
    /// </summary>
    [Fact]
    public void TheHyperparametersAreWrittenAsTheyAreTyped()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        var properties = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["negative", "positive"] }, _root.Combine("artifacts")).Properties;
        var result = new FineTuningResult(null, null, BestStep: 10, Steps: 10, StoppedEarly: false, [], TimeSpan.Zero);
        var data = new ClassifierTrainingCard.DataSources(["negative", "positive"], "training", 20, "validation", 4);
        var standard = new TrainingMethodChoice(TrainingMethod.Standard, "asked for");

        var sections = ClassifierTrainingCard.Sections(new FineTuningOptions { WarmupRatio = 0.00001, MaxGradNorm = 1e-5 }, new ContrastiveOptions(), 1e-5, 64,
            properties, data, result, resumedAtStep: null, standard, contrastive: null, withRunLog: false);

        string table = sections["Hyperparameters"];
        Assert.Contains("| learning rate | 5e-5 (linear, warmup 1e-5) |\n| weight decay | 1e-5 |\n| max grad norm | 1e-5 |", table);
        Assert.DoesNotContain("E-05", table);
    }
}
