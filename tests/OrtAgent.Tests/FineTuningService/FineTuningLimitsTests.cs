using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// What one request may make the service keep and show back to every client: job metadata, within OpenAI's lengths.
/// </summary>
public sealed class FineTuningLimitsTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private HttpClient Http => fixture.Service.Http;

    [Theory]
    [InlineData(65, 1, "has 65 characters; keys have at most 64")]
    [InlineData(64, 513, "has 513 characters; values have at most 512")]
    [InlineData(400_000, 1, "has 400000 characters; keys have at most 64")]
    public async Task MetadataBeyondOpenAIsLengthsIs400(int keyLength, int valueLength, string problem)
    {
        var metadata = new Dictionary<string, string> { [new string('k', keyLength)] = new string('v', valueLength) };
        var response = await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = "file-missing", metadata });

        var error = await FineTuningErrorTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "metadata");
        Assert.EndsWith(problem, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task MetadataAtOpenAIsLengthsPassesOnToTheFileCheck()
    {
        var metadata = new Dictionary<string, string> { [new string('k', 64)] = new string('v', 512) };
        var response = await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = "file-missing", metadata });

        await FineTuningErrorTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "training_file");
    }
}
