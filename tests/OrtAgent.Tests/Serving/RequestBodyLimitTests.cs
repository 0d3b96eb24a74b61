using System.Net;
using System.Text.Json;
using OrtAgent.Serving;
using OrtAgent.Tests.Mcp;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// The request body limit is derived from the text limits the server advertises (<c>--max-inputs</c>,
/// <c>--max-chars</c>, the MCP tools' <c>maxItems</c> and <c>maxLength</c>): it was a fixed 1 MiB, so 64 texts of
/// 20,000 characters, the defaults, were a 413 on <c>/predict</c> and an HttpRequestException in an MCP client.
/// </summary>
public sealed class RequestBodyLimitTests
{
    [Fact]
    public void TheDefaultLimitHoldsTheDefaultTextsWrittenTheLongestWay()
    {
        var options = new ServingOptions();

        // 64 texts of 20,000 emoji sent as \uD83D\uDE00 (12 bytes each), their quotes and commas, and 64 KiB.
        Assert.Equal(64L * (20_000 * 12 + 3) + 64 * 1024, options.BodyLimitBytes);
    }

    [Fact]
    public void SmallTextLimitsKeepOneMebibyteAndAGivenLimitIsTaken()
    {
        Assert.Equal(1L << 20, new ServingOptions { MaxInputsPerRequest = 1, MaxCharsPerInput = 10 }.BodyLimitBytes);
        Assert.Equal(4096, new ServingOptions { MaxBodyBytes = 4096 }.BodyLimitBytes);
        Assert.Equal(long.MaxValue, new ServingOptions { MaxInputsPerRequest = int.MaxValue, MaxCharsPerInput = int.MaxValue }.BodyLimitBytes);
    }

    [Fact]
    public async Task SixtyFourTextsOfTwentyThousandCharactersAreClassifiedOnPredictAndMcp()
    {
        await using var server = await ServerUnderTest.StartAsync();
        var texts = Enumerable.Range(0, 64).Select(i => (i % 2 == 0 ? "great " : "awful ") + new string('a', 20_000 - 6)).ToArray();

        using var response = await server.PostJsonAsync("/predict", JsonSerializer.Serialize(new { inputs = texts }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(64, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetArrayLength());

        await using var client = await McpTestClients.ConnectHttpAsync(server.BaseAddress, key: null, protocolVersion: null);
        var answer = await client.CallAsync("classify_text", new() { ["texts"] = texts });
        Assert.Equal(64, answer.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task ATextAsLongAsMaxCharsFitsPastOneMebibyte()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, maxInputs: 1, maxChars: 1_500_000));

        using var response = await server.PostJsonAsync("/predict", JsonSerializer.Serialize(new { inputs = "great " + new string('a', 1_500_000 - 6) }));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
