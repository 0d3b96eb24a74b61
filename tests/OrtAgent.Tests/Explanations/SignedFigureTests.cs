using OrtAgent.Explanations;

namespace OrtAgent.Tests.Explanations;

public sealed class SignedFigureTests
{
    /// <summary>A tiny negative printed as <c>-+0.000</c> in explain's header and word lists.</summary>
    [Theory]
    [InlineData(-0.00001, 3, "0.000")]
    [InlineData(-0.0004, 3, "0.000")]
    [InlineData(0.0004, 3, "0.000")]
    [InlineData(0.4123, 3, "+0.412")]
    [InlineData(-0.07, 3, "-0.070")]
    [InlineData(-0.00004, 4, "0.0000")]
    public void AFigureCarriesItsSignAndZeroHasNone(double value, int decimals, string printed) =>
        Assert.Equal(printed, SignedFigure.Of(value, decimals));
}
