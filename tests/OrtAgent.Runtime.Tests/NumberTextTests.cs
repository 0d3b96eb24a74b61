
namespace OrtAgent.Runtime.Tests;

/// <summary>Numbers in messages as a user types them back: .NET wrote 5E-05, and a float's 0.1 as its double, 0.10000000149011612.</summary>
public sealed class NumberTextTests
{
    [Theory]
    [InlineData(5e-5, "5e-5")]
    [InlineData(-1.25e-7, "-1.25e-7")]
    [InlineData(1e20, "1e20")]
    [InlineData(1e-320, "1e-320")]
    [InlineData(0.1, "0.1")]
    [InlineData(2.0, "2")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NaN, "NaN")]
    public void ADoubleIsItsShortestTextWithAPlainExponent(double value, string text)
    {
        Assert.Equal(text, NumberText.Of(value));
        if (double.IsFinite(value)) Assert.Equal(value, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(0.1f, "0.1")]
    [InlineData(1.17549435E-38f, "1.1754944e-38")]
    public void AFloatIsItsOwnShortestText(float value, string text) => Assert.Equal(text, NumberText.Of(value));

    // The libraries' messages and model cards show option values through Display: "FineTuningOptions.LearningRate = 0.001:
    // the run … began with 5E-05" and "| learning rate | 5E-05 (linear" before.
    [Fact]
    public void AnOptionsRealValueIsShownAsItIsTyped()
    {
        Assert.Equal("5e-5", InvalidOptionException.Display(5e-5));
        Assert.Equal("1e-7", InvalidOptionException.Display(1e-7f));
        Assert.Equal("FineTuningOptions.LearningRate = 2e-5: too small", new InvalidOptionException("FineTuningOptions.LearningRate", 2e-5, "too small").Message);
    }
}
