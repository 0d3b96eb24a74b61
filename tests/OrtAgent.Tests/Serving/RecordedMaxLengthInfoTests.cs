using System.Net;
using System.Text.Json;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A static export keeps its source's record (32 here) over inputs fixed at 8 tokens: texts are cut at 8, and
/// <c>/info</c> said only 8, so nothing told a client the model's own record was cut.
/// </summary>
public sealed class RecordedMaxLengthInfoTests
{
    [Fact]
    public async Task InfoGivesTheLengthTextsAreCutToAndTheLongerRecord()
    {
        await using var server = await ServerUnderTest.StartAsync(model: ToyClassifierModel.Sentiment with { SequenceLength = 8, RecordedMaxLength = 32 });

        using var response = await server.GetAsync("/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(8, json.RootElement.GetProperty("max_length").GetInt32());
        Assert.Equal(32, json.RootElement.GetProperty("recorded_max_length").GetInt32());
    }
}
