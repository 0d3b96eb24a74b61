using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// The one way a learning rate is written, on the plan lines and every card: a LoRA card said <c>0.001</c> where the plan
/// said <c>1e-3</c> and other cards <c>5e-5</c>.
/// </summary>
public sealed class LearningRateTextTests
{
    [Theory]
    [InlineData(5e-5, "5e-5")]
    [InlineData(2e-5, "2e-5")]
    [InlineData(1e-3, "1e-3")]
    [InlineData(0.005, "5e-3")]
    [InlineData(3.5e-4, "3.5e-4")]
    // Every digit given is kept: the help's old three decimals wrote 1.234e-5.
    [InlineData(1.23456e-5, "1.23456e-5")]
    public void ARateIsWrittenAsMantissaAndExponentWithItsDigits(double rate, string text) => Assert.Equal(text, LearningRateText.Of(rate));
}
