using System.Net;
using System.Text.Json;

namespace OrtAgent.Tests.Serving;

/// <summary>/predict, /info and /health against a real server running the toy sentiment model.</summary>
public sealed class PredictEndpointTests : IAsyncLifetime
{
    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() => _server = await ServerUnderTest.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SingleTextGetsEveryLabelSortedByScore()
    {
        // [CLS] the movie was great [SEP]: the mean of six rows is 1.0 on positive, 0 on negative; softmax(0, 1).
        using var response = await _server.PostJsonAsync("/predict", """{"inputs": "the movie was great"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var scores = await ReadScoresAsync(response);
        Assert.Equal(["positive", "negative"], scores.Select(s => s.Label));
        Assert.Equal(0.7311, scores[0].Score, 3);
        Assert.Equal(0.2689, scores[1].Score, 3);
    }

    [Fact]
    public async Task TheModelFieldMustNameTheServedModel()
    {
        string name = Path.GetFileName(_server.ModelDirectory);
        using var named = await _server.PostJsonAsync("/predict", $$"""{"inputs": "the movie was great", "model": "{{name}}"}""");
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);

        using var other = await _server.PostJsonAsync("/predict", """{"inputs": "the movie was great", "model": "another"}""");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using var error = JsonDocument.Parse(await other.Content.ReadAsStringAsync());
        Assert.Equal($"model 'another' is not served here; this server serves '{name}'", error.RootElement.GetProperty("error").GetString());

        // Names are exact, but one that misses the served model only by case says which it probably meant.
        using var shouted = await _server.PostJsonAsync("/predict", $$"""{"inputs": "the movie was great", "model": "{{name.ToUpperInvariant()}}"}""");
        Assert.Equal(HttpStatusCode.NotFound, shouted.StatusCode);
        using var shoutedError = JsonDocument.Parse(await shouted.Content.ReadAsStringAsync());
        Assert.Equal($"model '{name.ToUpperInvariant()}' is not served here; model ids are case-sensitive: did you mean '{name}'?", shoutedError.RootElement.GetProperty("error").GetString());

        // An empty name is a slip, not another model: it was a 404 naming the model ''.
        using var empty = await _server.PostJsonAsync("/predict", """{"inputs": "the movie was great", "model": " "}""");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        string emptyBody = await empty.Content.ReadAsStringAsync();
        Assert.Contains("the server's default", emptyBody); // written as it reads, not as \u0027, as the OpenAI routes' bodies
        using var emptyError = JsonDocument.Parse(emptyBody);
        Assert.Equal("\"model\" is empty: name a served model, or leave \"model\" out for the server's default", emptyError.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task BatchGetsOneArrayPerTextInRequestOrder()
    {
        using var response = await _server.PostJsonAsync("/predict",
            """{"inputs": ["the film was awful", "i love this book", "the pizza was boring", "it was really excellent !"]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var top = json.RootElement.EnumerateArray().Select(answer => answer[0].GetProperty("label").GetString()!).ToArray();
        Assert.Equal(["negative", "positive", "negative", "positive"], top);
        Assert.All(json.RootElement.EnumerateArray(), answer => Assert.Equal(2, answer.GetArrayLength()));
    }

    [Fact]
    public async Task TeiBatchOfOneElementArraysIsAccepted()
    {
        using var response = await _server.PostJsonAsync("/predict", """{"inputs": [["the acting was bad"], ["a wonderful plot"]]}""");

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("negative", json.RootElement[0][0].GetProperty("label").GetString());
        Assert.Equal("positive", json.RootElement[1][0].GetProperty("label").GetString());
    }

    [Fact]
    public async Task RawScoresAreTheLogits()
    {
        using var response = await _server.PostJsonAsync("/predict", """{"inputs": "the movie was great", "raw_scores": true}""");

        var scores = await ReadScoresAsync(response);
        Assert.Equal(("positive", 1.0), (scores[0].Label, Math.Round(scores[0].Score, 4)));
        Assert.Equal(("negative", 0.0), (scores[1].Label, Math.Round(scores[1].Score, 4)));
    }

    /// <summary>
    /// TEI's fields are read: truncation_direction "right" (TEI's default, and what OrtAgent does) is accepted; "left",
    /// once ignored like any unknown field, is refused rather than cut at the other end. Other fields are refused
    /// (RequestValidationTests.AFieldPredictDoesNotReadIs400NamingIt).
    /// </summary>
    [Fact]
    public async Task TeisTruncateAndTruncationDirectionRightAreAccepted()
    {
        using var response = await _server.PostJsonAsync("/predict",
            """{"inputs": "terrible", "truncate": true, "truncation_direction": "Right"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("negative", (await ReadScoresAsync(response))[0].Label);

        using var left = await _server.PostJsonAsync("/predict", """{"inputs": "terrible", "truncation_direction": "left"}""");
        Assert.Equal("\"truncation_direction\" is 'left'; OrtAgent cuts a long text's end only: send \"right\", or leave it out",
            await RequestValidationTests.AssertErrorAsync(left, HttpStatusCode.BadRequest, "validation"));
    }

    /// <summary>
    /// The model is named as <c>/predict</c>'s <c>"model"</c> takes it, by its folder's name: <c>/info</c> answered any
    /// client with the server's full path to it (<c>model_directory</c>), its directory layout.
    /// </summary>
    [Fact]
    public async Task InfoDescribesTheModelAndTheBatching()
    {
        using var response = await _server.GetAsync("/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Path.GetDirectoryName(_server.ModelDirectory)!, body);
        using var json = JsonDocument.Parse(body);
        var info = json.RootElement;
        Assert.Equal(Path.GetFileName(_server.ModelDirectory), info.GetProperty("model").GetString());
        Assert.Equal(["negative", "positive"], info.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(32, info.GetProperty("max_length").GetInt32());
        Assert.False(info.TryGetProperty("recorded_max_length", out _));   // only where the inputs cut the record
        Assert.Equal("toy-bag-of-words", info.GetProperty("base_model").GetString());
        Assert.Equal(1.0, info.GetProperty("metrics").GetProperty("accuracy").GetDouble());
        Assert.Equal(32, info.GetProperty("max_batch").GetInt32());
    }

    /// <summary>
    /// A query parameter <c>/info</c> does not read was ignored: <c>?modle=NAME</c> described the default model as though
    /// it were the one asked for. It is refused naming it, as <c>/predict</c> and <c>/explain</c> refuse theirs;
    /// <c>model</c> is read in any case, as ASP.NET looks a query name up.
    /// </summary>
    [Theory]
    [InlineData("/info?modle=reviews", "modle")]
    [InlineData("/info?model=model&verbose=1", "verbose")]
    public async Task AQueryParameterInfoDoesNotReadIs400NamingIt(string path, string parameter)
    {
        using var response = await _server.GetAsync(path);

        Assert.Equal($"unrecognized query parameter '{parameter}'; /info takes only ?model=NAME",
            await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "validation"));
        using var named = await _server.GetAsync($"/info?Model={Path.GetFileName(_server.ModelDirectory)}");
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
    }

    [Fact]
    public async Task HealthIsOkOnceLoaded()
    {
        using var response = await _server.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var head = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);   // was 405
    }

    [Fact]
    public async Task UnknownPathIs404()
    {
        using var response = await _server.GetAsync("/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("no endpoint at /nothing-here; see /admin/reload, /explain, /health, /info, /mcp, /metrics, /predict",
            body.RootElement.GetProperty("error").GetString());
    }

    internal static async Task<(string Label, double Score)[]> ReadScoresAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.EnumerateArray()
            .Select(s => (s.GetProperty("label").GetString()!, s.GetProperty("score").GetDouble()))
            .ToArray();
    }
}
