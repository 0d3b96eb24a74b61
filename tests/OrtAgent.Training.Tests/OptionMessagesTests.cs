using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;

namespace OrtAgent.Training.Tests;

/// <summary>
/// The optimizer, head and loss options name the property a bad value was given to, and print the value in the
/// invariant culture: under de-DE they said "not 1,5" in free text that no host could map to its own option names.
/// </summary>
public sealed class OptionMessagesTests
{
    public static TheoryData<Action, string> BadOptions => new()
    {
        { () => new AdamWOptions { Beta1 = 1.5 }.Validate(), "AdamWOptions.Beta1 = 1.5: must be at least 0 and below 1" },
        { () => new AdamWOptions { Beta2 = -0.5 }.Validate(), "AdamWOptions.Beta2 = -0.5: must be at least 0 and below 1" },
        { () => new AdamWOptions { Epsilon = 0 }.Validate(), "AdamWOptions.Epsilon = 0: must be positive" },
        { () => new AdamWOptions { WeightDecay = -0.5 }.Validate(), "AdamWOptions.WeightDecay = -0.5: must be 0 or positive" },
        { () => new SgdOptions { Momentum = -0.5 }.Validate(), "SgdOptions.Momentum = -0.5: must be 0 or positive" },
        { () => new SgdOptions { Nesterov = true, Momentum = 0 }.Validate(), "SgdOptions.Nesterov = True: needs a positive momentum and zero dampening" },
        { () => new ClassifierHeadOptions { DropoutRatio = 1.5f }.Validate(), "ClassifierHeadOptions.DropoutRatio = 1.5: must be at least 0 and below 1" },
        { () => new ClassifierHeadOptions { Pooling = (PoolingMode)9 }.Validate(), "ClassifierHeadOptions.Pooling = 9: expected mean, cls or pooler" },
        { () => new LossOptions { LabelSmoothing = 1.5f }.Validate(2), "LossOptions.LabelSmoothing = 1.5: must be at least 0 and below 1" },
        { () => new LossOptions { Kind = LossKind.Distillation, Temperature = -0.5f }.Validate(2), "LossOptions.Temperature = -0.5: must be above 0" },
        { () => new LossOptions { Kind = LossKind.Distillation, DistillationWeight = 1.5f }.Validate(2), "LossOptions.DistillationWeight = 1.5: must be between 0 and 1" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ABadValueIsAnInvalidOptionInTheInvariantCulture(Action validate, string message)
    {
        using var german = GermanCulture.Use();

        var error = Assert.Throws<InvalidOptionException>(validate);

        Assert.Equal(message, error.Message);
    }

    /// <summary>
    /// A caller that builds a loss directly is told the two-label rule as the command line is (TrainingArtifactsOptions):
    /// with the loss by name and the option that asks for one output; it said "Cross-entropy" for kd too, and named no option.
    /// </summary>
    [Theory]
    [InlineData(LossKind.CrossEntropy, "cross-entropy needs at least 2 labels, not 1; for a single regression output set LossOptions.Kind to mse")]
    [InlineData(LossKind.Distillation, "distillation needs at least 2 labels, not 1; for a single regression output set LossOptions.Kind to mse")]
    public void ALossNeedingTwoLabelsNamesItselfAndTheOptionForOneOutput(LossKind kind, string message)
    {
        var error = Assert.Throws<UserInputException>(() => new LossOptions { Kind = kind }.Validate(1));

        Assert.Equal(message, error.Message);
    }
}
