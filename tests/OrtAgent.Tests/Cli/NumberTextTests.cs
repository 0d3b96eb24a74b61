using OrtAgent.Cli;

namespace OrtAgent.Tests.Cli;

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
}
