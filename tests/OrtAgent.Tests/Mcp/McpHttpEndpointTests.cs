using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// The MCP tools at <c>/mcp</c> on a real <c>serve</c> instance (loopback, port 0, the toy sentiment model with its
/// explain graph, two API keys, at most 3 texts of 40 characters a request), driven by the SDK's HTTP client as a
/// current client (2026-07-28, no session) and as an older one (2025-11-25, initialize and a session).
/// </summary>
public sealed class McpHttpEndpointTests
{
    private const string Key = "mcp-test-key-7d21", OtherKey = "another-mcp-key-with-more-characters";

    [Theory]
    [InlineData(null, "2026-07-28")]
    [InlineData("2025-11-25", "2025-11-25")]
    public async Task BothProtocolGenerationsListAndCallTheToolsWithAKey(string? requested, string negotiated)
    {
        await using var server = await StartAsync();
        await using var client = await ConnectAsync(server, Key, requested);

        Assert.Equal(negotiated, client.NegotiatedProtocolVersion);
        Assert.Equal(["classify_text", "explain_text", "list_models"], (await client.ListToolsAsync()).Select(t => t.Name).Order());
        string name = Path.GetFileName(server.ModelDirectory);
        var models = await client.CallAsync("list_models", []);
        Assert.Equal(name, models.GetProperty("models")[0].GetProperty("name").GetString());
        Assert.Equal(["negative", "positive"], models.GetProperty("models")[0].GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.True(models.GetProperty("models")[0].GetProperty("explainable").GetBoolean());
        var answer = await client.CallAsync("classify_text", new() { ["texts"] = new[] { "the pizza was excellent", "boring" } });
        Assert.Equal(name, answer.GetProperty("model").GetString());
        Assert.Equal(["positive", "negative"], answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("label").GetString()));
        // "great" carries the whole positive logit of [CLS] the movie was great [SEP]: 6 / 6 tokens.
        var explained = await client.CallAsync("explain_text", new() { ["text"] = "the movie was great" });
        var word = Assert.Single(explained.GetProperty("words_for").EnumerateArray());
        Assert.Equal("great", word.GetProperty("word").GetString());
        Assert.Equal(1.0, word.GetProperty("attribution").GetDouble(), 4);
    }

    [Fact]
    public async Task ToolCallsShareServesLimitsAndBadCallsAreToolErrors()
    {
        await using var server = await StartAsync();
        await using var client = await ConnectAsync(server, OtherKey, protocolVersion: null);

        Assert.StartsWith("'texts' holds 4 texts; at most 3 are accepted", await client.CallFailingAsync("classify_text", new() { ["texts"] = new[] { "a", "b", "c", "d" } }));
        Assert.StartsWith("'text' has 41 characters; at most 40 are accepted", await client.CallFailingAsync("classify_text", new() { ["text"] = new string('x', 41) }));
        Assert.StartsWith("no model is named 'other'", await client.CallFailingAsync("classify_text", new() { ["text"] = "good", ["model"] = "other" }));
        // It classified with the only model; /predict answers 400 "\"model\" is empty".
        Assert.Equal($"'model' is empty: name the loaded model ({Path.GetFileName(server.ModelDirectory)}), or leave 'model' out to use it",
            await client.CallFailingAsync("explain_text", new() { ["text"] = "good", ["model"] = "" }));
        Assert.StartsWith("argument 'text' of classify_text must be a string, not an object", await client.CallFailingAsync("classify_text", new() { ["text"] = new { a = 1 } }));
        var after = await client.CallAsync("classify_text", new() { ["text"] = "great" });
        Assert.Equal("positive", after.GetProperty("results")[0].GetProperty("label").GetString());
    }

    /// <summary>
    /// explain_text had no bound: 150 concurrent calls each held a thread-pool thread waiting for the classifier, and
    /// /health stalled. It now takes a place in /explain's queue. With every place taken (as explanations running or
    /// waiting hold them: the test takes them itself, so no timing decides), calls at once beyond it are tool errors
    /// saying the server is busy while /health answers, /explain gets its 429, and a freed place admits the tool again.
    /// </summary>
    [Fact]
    public async Task ExplainCallsBeyondTheServersQueueAreToldTheServerIsBusy()
    {
        await using var server = await ServerUnderTest.StartAsync(dir =>
        {
            ModelExporter.AddExplainGraph(dir);
            return ServerUnderTest.Options(dir, apiKeys: [Key], maxExplanationsInFlight: 2);
        });
        await using var client = await ConnectAsync(server, Key, protocolVersion: null);
        var queue = server.App.Services.GetRequiredService<ExplanationQueue>();
        Assert.True(queue.TryEnter());
        Assert.True(queue.TryEnter());

        var calls = Enumerable.Range(0, 16).Select(_ => client.CallFailingAsync("explain_text", new() { ["text"] = "the movie was great" })).ToList();
        using (var health = await server.GetAsync("/health"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.All(await Task.WhenAll(calls), message =>
            Assert.Equal("the server is busy: 2 explanations are already running or waiting, one at a time; retry shortly", message));
        using (var refused = await server.PostJsonAsync("/explain", """{"inputs": "great", "steps": 1}""", Key))
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        queue.Leave();
        var explained = await client.CallAsync("explain_text", new() { ["text"] = "the movie was great" });
        Assert.Equal("great", Assert.Single(explained.GetProperty("words_for").EnumerateArray()).GetProperty("word").GetString());
        queue.Leave();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-key")]
    public async Task WithoutAValidKeyMcpAnswers401(string? key)
    {
        await using var server = await StartAsync();

        using var request = Serving.HostAndOriginCheckTests.McpPost("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        // A JSON-RPC error, as the transport's clients read a refused POST's body.
        using (var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
        {
            Assert.Equal("2.0", body.RootElement.GetProperty("jsonrpc").GetString());
            Assert.Contains("API key", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        }

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(server, key, protocolVersion: "2025-11-25"));
        Assert.Contains("401", refused.ToString());
    }

    /// <summary>
    /// curl http://…/mcp was told how to configure the server ("enable stateless mode by setting
    /// HttpServerTransportOptions.SessionMode…"), the MCP SDK's advice to its developer; it is told what to send.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task AGetWithoutASessionIsTold400WhatACallerMustSend(string? protocolVersion)
    {
        await using var server = await StartAsync();

        using var response = await SendMcpAsync(server, HttpMethod.Get, protocolVersion, sessionId: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("2.0", body.RootElement.GetProperty("jsonrpc").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.RootElement.GetProperty("id").ValueKind);
        Assert.Equal(-32000, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(
            "GET /mcp streams a session's messages and needs its Mcp-Session-Id header: POST /mcp an initialize request first, then send the Mcp-Session-Id header its answer carries (clients on MCP 2026-07-28, which has no sessions, POST every request and never GET)",
            body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    /// <summary>
    /// A request POSTed without a session (the TypeScript SDK's client does so after it ends its session with DELETE)
    /// was told to "enable stateless mode by setting HttpServerTransportOptions.SessionMode", the SDK's advice to the
    /// server's developer; it is told what to send. An initialize without a session is still the SDK's, and opens one.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task APostOtherThanInitializeWithoutASessionIsTold400WhatACallerMustSend(string? protocolVersion)
    {
        await using var server = await StartAsync();

        using var response = await SendMcpAsync(server, HttpMethod.Post, protocolVersion, sessionId: null,
            body: """{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(-32000, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("POST /mcp without an Mcp-Session-Id header must be an initialize request, which opens a session; every other message carries the Mcp-Session-Id header its answer gave "
            + "(a session ended with DELETE needs a new initialize; clients on MCP 2026-07-28, which has no sessions, send the header MCP-Protocol-Version: 2026-07-28 with each request instead)",
            body.RootElement.GetProperty("error").GetProperty("message").GetString());

        using var initialize = await SendMcpAsync(server, HttpMethod.Post, protocolVersion, sessionId: null,
            body: """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");
        Assert.Equal(HttpStatusCode.OK, initialize.StatusCode);
        Assert.True(initialize.Headers.Contains("Mcp-Session-Id"));
    }

    /// <summary>What the SDK answers well stays its own: a session it does not know, and a GET or DELETE on 2026-07-28.</summary>
    [Fact]
    public async Task OtherRequestsWithoutASessionAreTheSdksToAnswer()
    {
        await using var server = await StartAsync();

        using (var unknown = await SendMcpAsync(server, HttpMethod.Get, protocolVersion: null, sessionId: "no-such-session"))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var current = await SendMcpAsync(server, HttpMethod.Get, protocolVersion: "2026-07-28", sessionId: null))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, current.StatusCode);
            Assert.Contains("Use subscriptions/listen via POST instead", await current.Content.ReadAsStringAsync());
        }
        using (var unsupported = await SendMcpAsync(server, HttpMethod.Get, protocolVersion: "2020-01-01", sessionId: null))
            Assert.Contains("2020-01-01\\u0027 is not supported", await unsupported.Content.ReadAsStringAsync());
        // A body not sent as JSON is refused for that, not told to open a session.
        using (var plain = await SendMcpAsync(server, HttpMethod.Post, protocolVersion: null, sessionId: null,
                   body: """{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}""", contentType: "text/plain"))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        using (var delete = await SendMcpAsync(server, HttpMethod.Delete, protocolVersion: "2026-07-28", sessionId: null))
            Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
        using (var unauthorized = await server.Client.GetAsync("/mcp"))
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    /// <summary>
    /// A DELETE without an Mcp-Session-Id was answered 200 with nothing ended, so a client that had lost the header took
    /// its session for ended; MCP's Streamable HTTP transport has a server that requires sessions answer a request without
    /// one (initialize aside) with 400. A response POSTed without one got the SDK's advice to the server's developer.
    /// Both are told what to send.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task ADeleteOrAResponseWithoutASessionIsTold400WhatToSend(string? protocolVersion)
    {
        await using var server = await StartAsync();

        using (var delete = await SendMcpAsync(server, HttpMethod.Delete, protocolVersion, sessionId: null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, delete.StatusCode);
            using var body = System.Text.Json.JsonDocument.Parse(await delete.Content.ReadAsStringAsync());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, body.RootElement.GetProperty("id").ValueKind);
            Assert.Equal(-32000, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal("DELETE /mcp ends the session its Mcp-Session-Id header names, and this request has none: send the Mcp-Session-Id header the session's initialize answer carried "
                + "(clients on MCP 2026-07-28, which has no sessions, have none to end)", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        }
        using (var response = await SendMcpAsync(server, HttpMethod.Post, protocolVersion, sessionId: null, body: """{"jsonrpc":"2.0","id":3,"result":{}}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.StartsWith("POST /mcp without an Mcp-Session-Id header must be an initialize request",
                body.RootElement.GetProperty("error").GetProperty("message").GetString());
        }
    }

    /// <summary>
    /// A DELETE naming a session this server does not hold (ended by an earlier DELETE, or never issued) was answered 200
    /// as if it had ended one, so a client could not tell a session it had lost; MCP's transport has a server answer a
    /// session id it does not know with 404, as the SDK answers a GET or POST naming one. A live session's DELETE still
    /// ends it with 200.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task ADeleteOfASessionNotOpenIs404SayingToOpenANewOne(string? protocolVersion)
    {
        await using var server = await StartAsync();
        using var initialize = await SendMcpAsync(server, HttpMethod.Post, protocolVersion, sessionId: null,
            body: """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");
        string session = initialize.Headers.GetValues("Mcp-Session-Id").Single();

        using (var ended = await SendMcpAsync(server, HttpMethod.Delete, protocolVersion, session))
            Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        foreach (var notOpen in new[] { session, "no-such-session" })
        {
            using var delete = await SendMcpAsync(server, HttpMethod.Delete, protocolVersion, notOpen);
            Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
            using var body = System.Text.Json.JsonDocument.Parse(await delete.Content.ReadAsStringAsync());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, body.RootElement.GetProperty("id").ValueKind);
            Assert.Equal(-32001, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal("DELETE /mcp: no session of this server has the id in the Mcp-Session-Id header (it ended, by an earlier DELETE, idle expiry or a restart of the server, or was never issued), so there is none to end; "
                + "to go on, POST /mcp an initialize request without that header to open a new session", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        }
        // The SDK's own answers to the ended session's GET and POST, also 404.
        using (var get = await SendMcpAsync(server, HttpMethod.Get, protocolVersion, session))
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        using (var post = await SendMcpAsync(server, HttpMethod.Post, protocolVersion, session, body: """{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}"""))
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    /// <summary>
    /// A 2026-07-28 request naming its revision only in _meta got the SDK's advice to enable "stateless mode", meant for
    /// the server's developer; MCP 2026-07-28 requires the MCP-Protocol-Version header on every POST, matching _meta, and
    /// a 400 HeaderMismatch without it. So it is told, with its id; sent as told, it is served.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task ARequestNamingItsVersionOnlyInMetaIsTold400ToSendTheHeader(string? protocolVersion)
    {
        await using var server = await StartAsync();
        const string Body = """{"jsonrpc":"2.0","id":"list-1","method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}""";

        using (var response = await SendMcpAsync(server, HttpMethod.Post, protocolVersion, sessionId: null, body: Body))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("list-1", body.RootElement.GetProperty("id").GetString());
            Assert.Equal(-32020, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Equal("POST /mcp: this request names MCP 2026-07-28 in params._meta, and "
                + (protocolVersion is null ? "has no MCP-Protocol-Version header" : "its MCP-Protocol-Version header says 2025-11-25")
                + "; send the header MCP-Protocol-Version: 2026-07-28 with each request, matching _meta (MCP 2026-07-28 requires it, with Mcp-Method, and Mcp-Name on tools/call)",
                body.RootElement.GetProperty("error").GetProperty("message").GetString());
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, InferenceServer.McpPath) { Content = new StringContent(Body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/list");
        using var served = await server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("classify_text", await served.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A POST without a session whose method holds half a surrogate pair threw in the session check (a 500 with a stack
    /// trace); it is the SDK's 400 saying the body is not a JSON-RPC message.
    /// </summary>
    [Fact]
    public async Task AMethodHoldingHalfASurrogatePairIsA400NotA500()
    {
        await using var server = await StartAsync();

        using var response = await SendMcpAsync(server, HttpMethod.Post, protocolVersion: null, sessionId: null, body: """{"jsonrpc":"2.0","id":1,"method":"\ud800"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(-32600, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.DoesNotContain(server.Logs.Lines, line => line.Contains("InvalidOperationException", StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> SendMcpAsync(ServerUnderTest server, HttpMethod method, string? protocolVersion, string? sessionId, string? body = null,
        string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, InferenceServer.McpPath);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, contentType);
            request.Headers.Accept.ParseAdd("application/json");
        }
        if (protocolVersion is not null) request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        if (sessionId is not null) request.Headers.Add("Mcp-Session-Id", sessionId);
        return await server.Client.SendAsync(request);
    }

    /// <summary>A method MCP does not have logged two warnings, one with a stack trace; it is one information line.</summary>
    [Fact]
    public async Task AnUnknownMethodIsMethodNotFoundAndOneInformationLineInTheLog()
    {
        await using var server = await StartAsync();
        await using var client = await ConnectAsync(server, Key, protocolVersion: "2025-11-25");

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.SendRequestAsync(new JsonRpcRequest { Method = "bogus/method" }));

        Assert.Equal(McpErrorCode.MethodNotFound, refused.ErrorCode);
        Assert.Equal("Information OrtAgent.Mcp.UnknownMethodCheck: A client called the unknown method bogus/method",
            Assert.Single(server.Logs.Lines, l => l.Contains("bogus/method")));
        Assert.Equal("positive", (await client.CallAsync("classify_text", new() { ["text"] = "great" })).GetProperty("results")[0].GetProperty("label").GetString());
    }

    /// <summary>On <c>serve</c>'s log, too, an unknown tool is one information line, not an error with a stack trace.</summary>
    [Fact]
    public async Task AnUnknownToolIsInvalidParamsAndOneInformationLineInTheLog()
    {
        await using var server = await StartAsync();
        await using var client = await ConnectAsync(server, Key, protocolVersion: null);

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("no_such_tool", new Dictionary<string, object?>()).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, refused.ErrorCode);
        // The line is written before the answer is sent.
        Assert.Equal("Information OrtAgent.Mcp.ToolCallParamsCheck: A client called the unknown tool no_such_tool",
            Assert.Single(server.Logs.Lines, l => l.Contains("no_such_tool")));
        Assert.EndsWith("Unknown tool: 'no_such_tool'; the tools are: classify_text, explain_text, list_models", refused.Message);
    }

    private static Task<ServerUnderTest> StartAsync() =>
        ServerUnderTest.StartAsync(dir =>
        {
            ModelExporter.AddExplainGraph(dir);
            return ServerUnderTest.Options(dir, apiKeys: [Key, OtherKey], maxInputs: 3, maxChars: 40);
        });

    private static Task<McpClient> ConnectAsync(ServerUnderTest server, string? key, string? protocolVersion) =>
        McpTestClients.ConnectHttpAsync(server.BaseAddress, key, protocolVersion);
}
