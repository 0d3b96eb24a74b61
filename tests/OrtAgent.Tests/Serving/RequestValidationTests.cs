using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrtAgent.Tests.Serving;

/// <summary>Malformed bodies get 400 and broken limits 413/422, each with a TEI-style JSON error body; never a 500.</summary>
public sealed class RequestValidationTests : IAsyncLifetime
{
    private const int MaxBodyBytes = 4096, MaxInputs = 4, MaxChars = 100;
    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, maxBodyBytes: MaxBodyBytes, maxInputs: MaxInputs, maxChars: MaxChars));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("this is not json", "validation")]
    [InlineData("{\"inputs\": \"unterminated", "validation")]
    [InlineData("", "validation")]
    [InlineData("[\"a bare array\"]", "validation")]
    [InlineData("{}", "validation")]
    [InlineData("{\"input\": \"misspelled field\"}", "validation")]
    [InlineData("{\"inputs\": 5}", "validation")]
    [InlineData("{\"inputs\": null}", "validation")]
    [InlineData("{\"inputs\": {\"text\": \"nested\"}}", "validation")]
    [InlineData("{\"inputs\": [\"fine\", 7]}", "validation")]
    [InlineData("{\"inputs\": [\"fine\", null]}", "validation")]
    [InlineData("{\"inputs\": [[null]]}", "validation")]
    [InlineData("{\"inputs\": [[\"a\", \"b\", \"c\"]]}", "validation")]
    [InlineData("{\"inputs\": \"good\", \"raw_scores\": \"yes\"}", "validation")]
    [InlineData("{\"inputs\": [\"good\"], \"inputs\": [\"bad\"]}", "validation")]
    [InlineData("{\"inputs\": []}", "empty")]
    [InlineData("{\"inputs\": \"\"}", "empty")]
    [InlineData("{\"inputs\": [\"good\", \"\"]}", "empty")]
    public async Task MalformedBodiesAre400(string body, string errorType)
    {
        using var response = await _server.PostJsonAsync("/predict", body);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, errorType);
    }

    /// <summary>The message was System.Text.Json's own ("Expected depth to be zero … LineNumber: 0 | BytePositionInLine: 9").</summary>
    [Theory]
    [InlineData("{\"inputs\":", "it ends before the JSON value is complete (at byte 10)")]
    [InlineData("{inputs: 1}", "'i' cannot start a property name (names are in double quotes) (at byte 1)")]
    public async Task ABodyThatIsNotJsonIsSaidInPlainWords(string body, string reason)
    {
        using var response = await _server.PostJsonAsync("/predict", body);

        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"the body is not valid JSON: {reason}", error.GetProperty("error").GetString());
    }

    /// <summary>
    /// A body declared as another type than JSON is refused, as the <c>/v1</c> routes and TEI refuse it: curl's <c>-d</c>
    /// alone sends a form, and a form or text/plain body that happened to parse was answered. A body sent without a
    /// Content-Type is still read as JSON, and a JSON type with a charset is JSON. <c>/explain</c> reads its body alike.
    /// </summary>
    [Theory]
    [InlineData("/predict", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("/predict", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("/explain", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("/predict", null, HttpStatusCode.OK)]
    [InlineData("/predict", "application/json; charset=utf-8", HttpStatusCode.OK)]
    public async Task ABodyNotSentAsJsonIs415(string path, string? contentType, HttpStatusCode status)
    {
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes("""{"inputs": "good"}"""));
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.OK) return;
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation", error.GetProperty("error_type").GetString());
        Assert.Equal($"{path} takes a JSON body sent as Content-Type: application/json; this one is of type '{contentType}' "
            + "(with curl, add -H 'Content-Type: application/json', or use --json)", error.GetProperty("error").GetString());
    }

    /// <summary>
    /// A charset other than UTF-8 was ignored: a Latin-1 body was refused as "not valid Unicode", and one declared UTF-16
    /// holding UTF-8 bytes was answered. It is a 415 naming the charset, in any case; US-ASCII (a subset of UTF-8) and
    /// UTF-8 in capitals are read. <c>/explain</c> reads its body alike.
    /// </summary>
    [Theory]
    [InlineData("/predict", "application/json; charset=iso-8859-1", "iso-8859-1", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("/predict", "application/json; charset=\"UTF-16\"", "UTF-16", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("/explain", "application/json;charset=windows-1252", "windows-1252", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("/predict", "application/json; charset=UTF-8", null, HttpStatusCode.OK)]
    [InlineData("/predict", "application/json; charset=US-ASCII", null, HttpStatusCode.OK)]
    public async Task ABodyDeclaredInAnotherCharsetThanUtf8Is415NamingIt(string path, string contentType, string? charset, HttpStatusCode status)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"inputs": "good"}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.OK) return;
        Assert.Equal($"{path} takes a JSON body encoded as UTF-8; this one is declared as charset '{charset}', which the server does not decode: "
            + "send it as UTF-8, with charset=utf-8 or no charset", await AssertErrorAsync(response, status, "validation"));
    }

    /// <summary>
    /// A compressed body was parsed as it came, and a gzip one refused as "'0x1F' cannot start a JSON value": its client
    /// looked for a fault in its JSON. It is a 415 naming the coding; <c>identity</c>, which is no coding, is read.
    /// </summary>
    [Theory]
    [InlineData("/predict", "gzip", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("/explain", "br", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("/predict", "identity", HttpStatusCode.OK)]
    public async Task ACompressedBodyIs415NamingItsContentEncoding(string path, string coding, HttpStatusCode status)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"inputs": "good"}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        content.Headers.ContentEncoding.Add(coding);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.OK) return;
        Assert.Equal($"{path} takes an uncompressed body; this one is sent with Content-Encoding '{coding}', which the server does not decode: send the body without it",
            await AssertErrorAsync(response, status, "validation"));
    }

    /// <summary>
    /// A field /predict does not read was ignored: "truncat": false cut the text though the client asked for a refusal.
    /// It is refused naming it, as /v1/chat/completions refuses an unknown argument.
    /// </summary>
    [Theory]
    [InlineData("""{"inputs": "good", "truncat": false}""", "truncat")]
    [InlineData("""{"inputs": "good", "Truncate": false}""", "Truncate")]
    [InlineData("""{"raw_score": true, "inputs": "good"}""", "raw_score")]
    [InlineData("""{"inputs": "a", "texts": ["b"]}""", "texts")]
    [InlineData("""{"inputs": "a", "normalize": false}""", "normalize")]
    public async Task AFieldPredictDoesNotReadIs400NamingIt(string body, string field)
    {
        using var response = await _server.PostJsonAsync("/predict", body);

        Assert.Equal($"unrecognized request argument '{field}'; a /predict body takes: inputs, raw_scores, truncate, truncation_direction, model",
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "validation"));
    }

    /// <summary>?model=zz was ignored and the default model answered; /predict reads no query (the body names the model).</summary>
    [Theory]
    [InlineData("/predict?model=zz", "model")]
    [InlineData("/predict?truncate=false", "truncate")]
    public async Task AQueryParameterOnPredictIs400NamingIt(string url, string name)
    {
        using var response = await _server.PostJsonAsync(url, """{"inputs": "good"}""");

        Assert.Equal($"unrecognized query parameter '{name}'; /predict takes none: its body names what it needs (inputs, raw_scores, truncate, truncation_direction, model), the model as \"model\"",
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "validation"));
    }

    /// <summary>
    /// /health and /metrics are read by probes and scrapers, some of which add a cache-busting or filtering parameter:
    /// they answer as if plain, where every other route refuses a query it does not read.
    /// </summary>
    [Theory]
    [InlineData("/health?ts=1733560000", "{\"status\":\"ok\"}")]
    [InlineData("/metrics?name[]=ortagent_queue_depth", "ortagent_queue_depth")]
    public async Task AQueryOnHealthOrMetricsIsAnsweredAsIfPlain(string url, string expected)
    {
        using var response = await _server.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFieldWithANameThatIsNotUnicodeIsNeverA500()
    {
        // The repeated-field check read every name, nested ones too, and a lone surrogate escape there threw: a 500.
        using var response = await _server.PostJsonAsync("/predict", "{\"inputs\": \"good\", \"extra\": {\"\\ud800\": 1}}");

        Assert.True((int)response.StatusCode < 500, $"got {(int)response.StatusCode}");
    }

    [Fact]
    public async Task BodyOverTheLimitIs413()
    {
        var json = JsonSerializer.Serialize(new { inputs = new string('a', MaxBodyBytes) });

        using var response = await _server.PostJsonAsync("/predict", json);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "validation");
    }

    [Fact]
    public async Task StreamedBodyOverTheLimitIs413()
    {
        // No Content-Length: Kestrel counts bytes as they arrive and stops the read past the limit.
        var json = JsonSerializer.Serialize(new { inputs = new string('a', MaxBodyBytes) });
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _server.Client.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "validation");
    }

    /// <summary>
    /// The MCP SDK reads params into its own types after routing: an initialize without the properties it requires threw
    /// out of it, an empty 500. It is a 400 with a JSON-RPC error naming what is missing, never a 5xx.
    /// Its message spoke in the SDK's type names (2026-12-07): it names the field in the client's terms.
    /// </summary>
    [Theory]
    [InlineData("""{"x":1}""", "the request's params do not fit its method: params lack 'protocolVersion'")]
    [InlineData("5", "the request's params do not fit its method: params are not an object of the fields the method takes")]
    [InlineData("""{"protocolVersion":5,"capabilities":{},"clientInfo":{"name":"t","version":"1"}}""",
        "the request's params do not fit its method: params.protocolVersion is not a value of the kind MCP defines for it")]
    public async Task McpParamsTheMethodCannotReadAre400WithAJsonRpcError(string parameters, string message)
    {
        using var request = HostAndOriginCheckTests.McpPost($$"""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{parameters}}}""");

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("2.0", body.RootElement.GetProperty("jsonrpc").GetString());
        Assert.StartsWith(message, body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    /// <summary>
    /// /mcp reads its body itself: past the limit the read escaped, an empty 413 to the client, a logged failure, and a
    /// 500 in the metrics. It is a 413 with a JSON-RPC error, counted as a 413.
    /// </summary>
    [Fact]
    public async Task AnMcpBodyOverTheLimitIs413WithAJsonRpcError()
    {
        var json = $$$"""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"{{{new string('a', MaxBodyBytes)}}}"}}""";
        using var request = HostAndOriginCheckTests.McpPost(json);

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("2.0", body.RootElement.GetProperty("jsonrpc").GetString());
        Assert.Equal($"the request body is larger than {MaxBodyBytes} bytes", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        var metrics = await Eventually.ReturnsAsync(
            async () => await (await _server.GetAsync("/metrics")).Content.ReadAsStringAsync(), t => t.Contains("endpoint=\"/mcp\",status=\"413\"} 1"));
        Assert.Contains("ortagent_http_requests_total{endpoint=\"/mcp\",status=\"413\"} 1", metrics);
        Assert.DoesNotContain("status=\"500\"", metrics);
        Assert.DoesNotContain(_server.Logs.Lines, line => line.StartsWith("Error ", StringComparison.Ordinal) || line.StartsWith("Critical ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TooManyInputsIs413()
    {
        var json = JsonSerializer.Serialize(new { inputs = Enumerable.Repeat("good", MaxInputs + 1) });

        using var response = await _server.PostJsonAsync("/predict", json);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "validation");
    }

    [Fact]
    public async Task InputsAtTheLimitAreServed()
    {
        var json = JsonSerializer.Serialize(new { inputs = Enumerable.Repeat(new string('a', MaxChars), MaxInputs) });

        using var response = await _server.PostJsonAsync("/predict", json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TextOverTheCharacterLimitIs422()
    {
        var json = JsonSerializer.Serialize(new { inputs = new[] { "good", new string('a', MaxChars + 1) } });

        using var response = await _server.PostJsonAsync("/predict", json);

        var error = await AssertErrorAsync(response, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains("inputs[1]", error);
    }

    /// <summary>The limit counts characters as the MCP tools' schemas do: an emoji is one, though two UTF-16 units.</summary>
    [Fact]
    public async Task TheCharacterLimitCountsAnEmojiAsOneCharacter()
    {
        string emoji = "\U0001F600";
        using (var atLimit = await _server.PostJsonAsync("/predict", JsonSerializer.Serialize(new { inputs = string.Concat(Enumerable.Repeat(emoji, MaxChars)) })))
            Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);

        using var over = await _server.PostJsonAsync("/predict", JsonSerializer.Serialize(new { inputs = string.Concat(Enumerable.Repeat(emoji, MaxChars + 1)) }));
        var error = await AssertErrorAsync(over, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains($"has {MaxChars + 1} characters; at most {MaxChars} are accepted", error);
    }

    [Fact]
    public async Task SentencePairIs422()
    {
        using var response = await _server.PostJsonAsync("/predict", """{"inputs": [["good", "bad"]]}""");

        await AssertErrorAsync(response, HttpStatusCode.UnprocessableEntity, "validation");
    }

    [Fact]
    public async Task GetOnPredictIs405()
    {
        using var response = await _server.GetAsync("/predict");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    /// <summary>Checks status and the <c>{"error", "error_type"}</c> body; returns the error message.</summary>
    internal static async Task<string> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string errorType)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal(errorType, json.RootElement.GetProperty("error_type").GetString());
        var message = json.RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }
}
