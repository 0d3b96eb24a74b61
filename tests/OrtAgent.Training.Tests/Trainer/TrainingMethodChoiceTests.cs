using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>The training method's names, read by the library for any host: refusals speak of methods, not of a flag.</summary>
public sealed class TrainingMethodChoiceTests
{
    [Theory]
    [InlineData("standard", TrainingMethod.Standard)]
    [InlineData(" Contrastive ", TrainingMethod.Contrastive)]
    [InlineData("setfit", TrainingMethod.Contrastive)]
    [InlineData("AUTO", TrainingMethod.Auto)]
    public void NamesAreReadInAnyCase(string name, TrainingMethod method)
    {
        Assert.Equal(method, TrainingMethodChoice.Parse(name));
        Assert.True(TrainingMethodChoice.TryParse(name, out var tried));
        Assert.Equal(method, tried);
    }

    [Fact]
    public void AnUnknownNameIsRefusedWithoutTheCommandLinesFlag()
    {
        var error = Assert.Throws<UserInputException>(() => TrainingMethodChoice.Parse("fewshot"));

        Assert.Equal("'fewshot' is not a training method: expected standard, contrastive or auto", error.Message);
        Assert.False(TrainingMethodChoice.TryParse("fewshot", out _));
        Assert.False(TrainingMethodChoice.TryParse(null, out _));
    }

    /// <summary>
    /// One class of 5 among classes of a hundred made auto train contrastively, at about 13 times standard fine-tuning's
    /// steps, for that one class: very unequal classes are decided by the typical (median) class, and the reason says so.
    /// </summary>
    [Fact]
    public void VeryUnequalClassesAreDecidedByTheTypicalClass()
    {
        int[] counts = [5, .. Enumerable.Repeat(100, 15)];

        var choice = TrainingMethodChoice.Resolve(TrainingMethod.Auto, counts);

        Assert.Equal(TrainingMethod.Standard, choice.Method);
        Assert.Equal("auto: the classes are very unequal, so the typical one decides: the median class of 16 has 100 training examples, at least 64 (the smallest has 5)", choice.Reason);
    }

    [Fact]
    public void VeryUnequalClassesWithAFewDozenTypicallyStayContrastive()
    {
        var choice = TrainingMethodChoice.Resolve(TrainingMethod.Auto, [5, 40, 42, 45, 50]);

        Assert.Equal(TrainingMethod.Contrastive, choice.Method);
        Assert.Equal("auto: the classes are very unequal, so the typical one decides: the median class of 5 has 42 training examples, fewer than 64 (the smallest has 5)", choice.Reason);
    }

    /// <summary>Classes alike (the smallest at least half the median), as on the data the docs measured: the smallest decides, in the same words.</summary>
    [Theory]
    [InlineData(new[] { 36, 36 }, TrainingMethod.Contrastive, "auto: the smallest class has 36 training examples, fewer than 64")]
    [InlineData(new[] { 5, 400 }, TrainingMethod.Contrastive, "auto: the smallest class has 5 training examples, fewer than 64")]
    [InlineData(new[] { 40, 70, 80 }, TrainingMethod.Contrastive, "auto: the smallest class has 40 training examples, fewer than 64")]
    [InlineData(new[] { 64, 100, 120 }, TrainingMethod.Standard, "auto: every class has at least 64 training examples (smallest 64)")]
    public void ClassesAlikeAreDecidedByTheSmallestAsBefore(int[] counts, TrainingMethod method, string reason)
    {
        var choice = TrainingMethodChoice.Resolve(TrainingMethod.Auto, counts);

        Assert.Equal(method, choice.Method);
        Assert.Equal(reason, choice.Reason);
    }

    [Theory]
    [InlineData(new[] { 7, 3, 9, 1 }, 3)]
    [InlineData(new[] { 7, 3, 9 }, 7)]
    [InlineData(new int[0], 0)]
    public void TheTypicalClassIsTheLowerMedian(int[] counts, int typical) =>
        Assert.Equal(typical, TrainingMethodChoice.TypicalClassSize(counts));

    /// <summary>The 675-example run: 20 rounds of 2 pairs an example in batches of 16, against 3 epochs of batches of 16.</summary>
    [Fact]
    public void TheCostOfEachMethodIsCountedAsTheTrainersCountIt()
    {
        Assert.Equal(1688, TrainingMethodCost.ContrastiveStage1Steps(675, new ContrastiveOptions()));
        Assert.Equal(129, TrainingMethodCost.StandardSteps(675, new FineTuningOptions()));
        // Small data: both raised to their 100 minimum steps, contrastive by more rounds (58: 1,624 pairs), standard by more epochs.
        Assert.Equal(102, TrainingMethodCost.ContrastiveStage1Steps(14, new ContrastiveOptions()));
        Assert.Equal(100, TrainingMethodCost.StandardSteps(14, new FineTuningOptions()));
        Assert.Equal("Steps: contrastive stage 1 about 1,688 (20 pair rounds over 675 training examples), standard fine-tuning about 129",
            TrainingMethodCost.Describe(675, new FineTuningOptions(), new ContrastiveOptions()));
    }
}
