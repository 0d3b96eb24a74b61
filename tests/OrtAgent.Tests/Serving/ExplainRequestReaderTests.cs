using System.Text.Json;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>The /explain body's fields as <see cref="ExplainRequestReader"/> reads them, without a server.</summary>
public sealed class ExplainRequestReaderTests
{
    private static ExplainRequest Parse(string body)
    {
        using var document = JsonDocument.Parse(body);
        return ExplainRequestReader.Parse(document.RootElement, new ServingOptions());
    }

    /// <summary>
    /// <c>"steps": 2.0</c>, which Python's <c>json.dumps(2.0)</c> sends, was a 422 "must be a whole number" here, while the
    /// fine-tuning API took <c>n_epochs: 2.0</c> and the MCP tools <c>3.0</c>. A whole number is one however written.
    /// </summary>
    [Theory]
    [InlineData("2.0", 2)]
    [InlineData("2e0", 2)]
    [InlineData("20e-1", 2)]
    [InlineData("256.000", 256)]
    public void StepsWrittenWithAZeroFractionAreThatWholeNumber(string steps, int expected) =>
        Assert.Equal(expected, Parse($$"""{"inputs": "good", "steps": {{steps}}}""").Options.Steps);

    /// <summary>A fraction stays refused, however close to a whole number (a double would round these to 2 and 0).</summary>
    [Theory]
    [InlineData("2.5")]
    [InlineData("2.00000000000000000000000000001")]
    [InlineData("1e-400")]
    public void AFractionOfAStepIsRefusedAsWritten(string steps)
    {
        var refused = Assert.Throws<ApiErrorException>(() => Parse($$"""{"inputs": "good", "steps": {{steps}}}"""));

        Assert.Equal(422, refused.StatusCode);
        Assert.Equal($"\"steps\" is {steps}; it must be a whole number between 1 and 256", refused.Message);
    }

    [Fact]
    public void AWholeNumberWrittenWithAFractionIsStillCheckedAgainstTheRange()
    {
        var refused = Assert.Throws<ApiErrorException>(() => Parse("""{"inputs": "good", "steps": 257.0}"""));

        Assert.Equal("\"steps\" is 257; it must be between 1 and 256", refused.Message);
    }
}
