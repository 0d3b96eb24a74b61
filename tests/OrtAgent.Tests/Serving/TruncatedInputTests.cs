using System.Net;
using OrtAgent.Tests.Mcp;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A text longer than the model reads is classified by its beginning only. <c>explain_text</c> said so; <c>/predict</c>
/// and <c>classify_text</c> could not, as the runtime's prediction did not say. The server here reads five tokens:
/// [CLS], three of the text's, [SEP].
/// </summary>
public sealed class TruncatedInputTests : IAsyncLifetime
{
    private const string Whole = "the movie was", Cut = "the movie was great";

    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() => _server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, maxLength: 5));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task PredictNamesTheCutInputsByTheirPlaceInAHeader()
    {
        using var batch = await _server.PostJsonAsync("/predict", $$"""{"inputs": ["{{Whole}}", "{{Cut}}", "{{Cut}} and good"]}""");
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal("1,2", Assert.Single(batch.Headers.GetValues("X-Truncated-Inputs")));

        using var one = await _server.PostJsonAsync("/predict", $$"""{"inputs": "{{Cut}}"}""");
        Assert.Equal("0", Assert.Single(one.Headers.GetValues("X-Truncated-Inputs")));

        using var whole = await _server.PostJsonAsync("/predict", $$"""{"inputs": "{{Whole}}"}""");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.False(whole.Headers.Contains("X-Truncated-Inputs"));
    }

    /// <summary>
    /// <c>"truncate": false</c> was accepted and ignored: the text was cut all the same. It now asks for TEI's contract,
    /// a 413 naming the input, its tokens and the limit; absent or true, the input is cut as before.
    /// </summary>
    [Theory]
    [InlineData($$"""{"inputs": ["{{Whole}}", "{{Cut}}", "{{Cut}} and good"], "truncate": false}""",
        "inputs[1] must have at most 5 tokens, the model's maximum length; given: 6 (1 more input(s) are too long as well). ")]
    [InlineData($$"""{"inputs": "{{Cut}}", "truncate": false}""", "\"inputs\" must have at most 5 tokens, the model's maximum length; given: 6. ")]
    public async Task PredictRefusesALongInputWhenTruncateIsFalse(string body, string message)
    {
        using var response = await _server.PostJsonAsync("/predict", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("validation", error.GetProperty("error_type").GetString());
        Assert.StartsWith(message, error.GetProperty("error").GetString());

        using var fits = await _server.PostJsonAsync("/predict", $$"""{"inputs": ["{{Whole}}"], "truncate": false}""");
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        using var cut = await _server.PostJsonAsync("/predict", $$"""{"inputs": ["{{Whole}}", "{{Cut}}"], "truncate": true}""");
        Assert.Equal(HttpStatusCode.OK, cut.StatusCode);
        Assert.Equal("1", Assert.Single(cut.Headers.GetValues("X-Truncated-Inputs")));
    }

    /// <summary>
    /// The refusal counts tokens with the vocabulary the model was loaded with. It was read at the first refusal: once
    /// the model's directory had gone, that refusal and every later one were a 500.
    /// </summary>
    [Fact]
    public async Task ARefusalCountsWithTheLoadedVocabularyAfterTheModelsFilesAreGone()
    {
        File.Delete(Path.Combine(_server.ModelDirectory, "vocab.txt"));

        using var response = await _server.PostJsonAsync("/predict", $$"""{"inputs": "{{Cut}}", "truncate": false}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("\"inputs\" must have at most 5 tokens", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ClassifyTextSaysWhichTextsWereCut()
    {
        await using var client = await McpTestClients.ConnectHttpAsync(_server.BaseAddress, key: null, protocolVersion: null);

        var answer = await client.CallAsync("classify_text", new() { ["texts"] = new[] { Cut, Whole } });

        var results = answer.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([true, false], results.Select(r => r.GetProperty("truncated").GetBoolean()));
        // "great" was cut: the model read only "the movie was", which leans neither way.
        Assert.Equal(0.5, results[0].GetProperty("score").GetDouble(), 4);
    }
}
