using System.Text.Json;
using OrtAgent.Mcp;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Mcp;

public sealed class ToolArgumentsTests
{
    /// <summary>
    /// Wholeness was decided on decimal, which rounds: 2.00000000000000000000000000001 was 2 and 1e-400 was 0. It is
    /// decided on the digits as written; a whole number in int's range becomes that int, whatever its spelling.
    /// </summary>
    [Theory]
    [InlineData("3.0", 3)]
    [InlineData("3e0", 3)]
    [InlineData("30e-1", 3)]
    [InlineData("1.50e1", 15)]
    [InlineData("-2.000", -2)]
    [InlineData("0.0e-5", 0)]
    [InlineData("2147483647.0", int.MaxValue)]
    public void AWholeNumberInIntsRangeIsThatInt(string written, int expected)
    {
        var whole = ToolArguments.WholeNumber(JsonDocument.Parse(written).RootElement);

        Assert.Equal(expected, whole!.Value.GetInt32());
    }

    [Theory]
    [InlineData("2.00000000000000000000000000001")]
    [InlineData("1e-400")]
    [InlineData("1.55e1")]
    [InlineData("0.5")]
    [InlineData("-1e-999999999999999999999")]
    public void AFractionIsNotWholeHoweverSmall(string written)
    {
        var value = JsonDocument.Parse(written).RootElement;

        Assert.False(JsonWholeNumber.IsWhole(value));
        Assert.Null(ToolArguments.WholeNumber(value));
        // Not out of range either: the refusal to give is that it is not a whole number.
        Assert.False(ArgumentRange.Integers(1, 50).Excludes(value));
    }

    // Whole, but no int: the range refuses it, and a huge exponent costs no more than its digits.
    [Theory]
    [InlineData("2147483648.0")]
    [InlineData("1e999999999")]
    public void AWholeNumberBeyondIntIsOutOfRange(string written)
    {
        var value = JsonDocument.Parse(written).RootElement;

        Assert.True(JsonWholeNumber.IsWhole(value));
        Assert.Null(ToolArguments.WholeNumber(value));
        Assert.True(ArgumentRange.Integers(1, 50).Excludes(value));
    }
}
