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
}
