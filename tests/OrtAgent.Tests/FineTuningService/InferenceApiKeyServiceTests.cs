#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Mcp;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>serve --fine-tuning</c> with full and inference keys. An app given an inference key to classify texts could list,
/// download and delete every file, job and model; it now classifies, explains, chats and reads the models, and every
/// other route is a 403 in OpenAI's envelope that no client retries, as are the fine-tuning MCP tools.
/// </summary>
public sealed class InferenceApiKeyServiceTests(InferenceApiKeyServiceTests.Service fixture) : IClassFixture<InferenceApiKeyServiceTests.Service>
{
    private const string FullKey = "full-key-0d6b27c4", InferenceKey = "inference-key-93fa10e5", WrongKey = "no-such-key-7c2e";

    [Theory]
    [InlineData("GET", "/v1/files", null)]
    [InlineData("POST", "/v1/files", null)]
    [InlineData("GET", "/v1/files/file-abc", null)]
    [InlineData("GET", "/v1/files/file-abc/content", null)]
    [InlineData("DELETE", "/v1/files/file-abc", null)]
    [InlineData("GET", "/v1/fine_tuning/jobs", null)]
    [InlineData("POST", "/v1/fine_tuning/jobs", "{}")]
    [InlineData("GET", "/v1/fine_tuning/jobs/ftjob-abc", null)]
    [InlineData("POST", "/v1/fine_tuning/jobs/ftjob-abc/cancel", null)]
    [InlineData("GET", "/v1/fine_tuning/jobs/ftjob-abc/events", null)]
    [InlineData("GET", "/v1/fine_tuning/jobs/ftjob-abc/checkpoints", null)]
    [InlineData("DELETE", "/v1/models/ft:tiny:none:ftjob-abc", null)]
    public async Task ManagingFilesJobsAndModelsNeedsAFullKey(string method, string path, string? body)
    {
        using var none = await SendAsync(method, path, body, key: null);
        using var wrong = await SendAsync(method, path, body, WrongKey);
        using var inference = await SendAsync(method, path, body, InferenceKey);
        using var full = await SendAsync(method, path, body, FullKey);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        string text = await inference.Content.ReadAsStringAsync();
        Assert.True(inference.StatusCode == HttpStatusCode.Forbidden, $"{(int)inference.StatusCode}: {text}");
        Assert.Equal("false", Assert.Single(inference.Headers.GetValues("x-should-retry")));
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("insufficient_permissions", error.GetProperty("code").GetString());
        Assert.StartsWith($"insufficient permissions: {method} {path} needs a full API key, and this is an inference key", error.GetProperty("message").GetString());
        Assert.DoesNotContain(InferenceKey, text);
        // The full key reached the endpoint (a 400 or 404 for these made-up ids and empty bodies, never a refusal).
        Assert.NotEqual(HttpStatusCode.Unauthorized, full.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, full.StatusCode);
    }

    /// <summary>
    /// The refusal holds however the path is spelled (routing matches case and a trailing slash as the route), on HEAD
    /// as on GET: an inference key that found a spelling routing takes and the check does not would manage the store.
    /// </summary>
    [Theory]
    [InlineData("GET", "/V1/FILES")]
    [InlineData("GET", "/v1/files/file-abc/")]
    [InlineData("HEAD", "/v1/Files/file-abc")]
    [InlineData("DELETE", "/v1/FILES/file-abc/")]
    [InlineData("POST", "/v1/Fine_Tuning/Jobs/ftjob-abc/cancel/")]
    [InlineData("DELETE", "/V1/models/ft:tiny:none:ftjob-abc")]
    public async Task AManagementPathSpelledOtherwiseIsRefusedToAnInferenceKeyToo(string method, string path)
    {
        using var none = await SendAsync(method, path, body: null, key: null);
        using var inference = await SendAsync(method, path, body: null, InferenceKey);
        using var full = await SendAsync(method, path, body: null, FullKey);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.True(inference.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)inference.StatusCode}");
        Assert.NotEqual(HttpStatusCode.Forbidden, full.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, full.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/v1/models", null)]
    [InlineData("GET", "/v1/models/sentiment", null)]
    [InlineData("POST", "/v1/chat/completions", """{"model": "sentiment", "messages": [{"role": "user", "content": "great"}]}""")]
    [InlineData("POST", "/predict", """{"inputs": "great", "model": "sentiment"}""")]
    [InlineData("POST", "/explain", """{"inputs": "great", "model": "sentiment"}""")]
    [InlineData("GET", "/info?model=sentiment", null)]
    [InlineData("GET", "/metrics", null)]
    public async Task AnInferenceKeyClassifiesExplainsChatsAndReadsTheModels(string method, string path, string? body)
    {
        using var none = await SendAsync(method, path, body, key: null);
        using var inference = await SendAsync(method, path, body, InferenceKey);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.True(inference.StatusCode == HttpStatusCode.OK, $"{(int)inference.StatusCode}: {await inference.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// The OpenAI .NET library with its default retry policy: an inference key reads the models and chats, and its
    /// refused requests are sent once each (a retried 403 would be refused again, and would double the load of a client
    /// that loops on it).
    /// </summary>
    [Fact]
    public async Task TheOpenAILibraryGetsTheRefusalAsA403AndSendsItOnce()
    {
        var counter = new RequestCounter();
        using var http = new HttpClient(counter);
        var client = new OpenAIClient(new ApiKeyCredential(InferenceKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(fixture.Running.BaseAddress, "v1"),
            Transport = new HttpClientPipelineTransport(http),
        });

        var models = (await client.GetOpenAIModelClient().GetModelsAsync()).Value;
        ChatCompletion completion = await client.GetChatClient("sentiment").CompleteChatAsync([new UserChatMessage("great")]);
        var files = await Assert.ThrowsAsync<ClientResultException>(() => client.GetOpenAIFileClient().GetFilesAsync());
        var jobs = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var _ in client.GetFineTuningClient().GetJobsAsync()) { }
        });

        Assert.Contains(models, model => model.Id == "sentiment");
        Assert.Equal("positive", completion.Content[0].Text);
        Assert.Equal(403, files.Status);
        Assert.Equal(403, jobs.Status);
        Assert.Contains("GET /v1/files needs a full API key", files.Message);
        Assert.DoesNotContain(InferenceKey, files.Message);
        Assert.Equal(1, counter.To("/v1/files"));
        Assert.Equal(1, counter.To("/v1/fine_tuning/jobs"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task AnInferenceKeyIsOfferedOnlyTheMcpToolsThatListModelsClassifyAndExplain(string? protocolVersion)
    {
        await using var inference = await McpTestClients.ConnectHttpAsync(fixture.Running.BaseAddress, InferenceKey, protocolVersion);
        await using var full = await McpTestClients.ConnectHttpAsync(fixture.Running.BaseAddress, FullKey, protocolVersion);

        Assert.Equal(["classify_text", "explain_text", "list_models"], (await inference.ListToolsAsync()).Select(t => t.Name).Order());
        Assert.Contains("start_fine_tuning", (await full.ListToolsAsync()).Select(t => t.Name));
        var classified = await inference.CallAsync("classify_text", new() { ["text"] = "great", ["model"] = "sentiment" });
        Assert.Equal("positive", classified.GetProperty("results")[0].GetProperty("label").GetString());
        string refused = await inference.CallFailingAsync("cancel_fine_tuning_job", new() { ["job_id"] = "ftjob-abc" });
        Assert.Equal("cancel_fine_tuning_job needs a full API key, and this is an inference key, which may call only list_models, classify_text, explain_text", refused);
        Assert.StartsWith("list_fine_tuning_jobs needs a full API key", await inference.CallFailingAsync("list_fine_tuning_jobs", []));
        // Refused before its arguments are read: the key, not a missing job_id, is what to fix.
        Assert.StartsWith("cancel_fine_tuning_job needs a full API key", await inference.CallFailingAsync("cancel_fine_tuning_job", []));
        await full.CallAsync("list_fine_tuning_jobs", []);
        Assert.DoesNotContain(InferenceKey, refused);
    }

    /// <summary>
    /// An inference key is told nothing of the tools it may not call: not in the refusal of an unknown tool, which listed
    /// every tool, nor in the instructions, which told its agent to call start_fine_tuning. A full key is told of both,
    /// and the tools' schemas, rebuilt for each session, say their limits once.
    /// </summary>
    [Fact]
    public async Task AnInferenceKeyIsToldOnlyOfTheToolsItMayCall()
    {
        await using var inference = await McpTestClients.ConnectHttpAsync(fixture.Running.BaseAddress, InferenceKey, "2025-11-25");
        await using var full = await McpTestClients.ConnectHttpAsync(fixture.Running.BaseAddress, FullKey, "2025-11-25");

        var unknown = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => inference.CallToolAsync("no_such_tool", new Dictionary<string, object?>()).AsTask());
        var unknownToFull = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => full.CallToolAsync("no_such_tool", new Dictionary<string, object?>()).AsTask());

        Assert.EndsWith("Unknown tool: 'no_such_tool'; the tools are: classify_text, explain_text, list_models", unknown.Message);
        Assert.Contains("start_fine_tuning", unknownToFull.Message);
        Assert.DoesNotContain("fine_tuning", inference.ServerInstructions);
        Assert.StartsWith("Fine-tuned text classifiers running locally.", inference.ServerInstructions);
        Assert.Contains("call start_fine_tuning", full.ServerInstructions);
        var classify = (await full.ListToolsAsync()).Single(t => t.Name == "classify_text").ProtocolTool.InputSchema.GetProperty("properties").GetProperty("text");
        string description = classify.GetProperty("description").GetString()!;
        Assert.True(description.Split("characters").Length == 2, description);
    }

    /// <summary>
    /// A session belongs to the key that opened it: an inference key that sends the id of a session a full key opened
    /// could end it (DELETE), call tools in it, or read its stream; each is now refused with the SDK's 403, and the full
    /// key's session goes on.
    /// </summary>
    [Fact]
    public async Task AnotherKeyIsRefusedInASessionAFullKeyOpened()
    {
        await using var full = await McpTestClients.ConnectHttpAsync(fixture.Running.BaseAddress, FullKey, "2025-11-25");

        using var call = await SendInSessionAsync(HttpMethod.Post, full.SessionId!, InferenceKey,
            """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_models","arguments":{}}}""");
        using var list = await SendInSessionAsync(HttpMethod.Post, full.SessionId!, InferenceKey, """{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{}}""");
        using var stream = await SendInSessionAsync(HttpMethod.Get, full.SessionId!, InferenceKey, body: null);
        using var delete = await SendInSessionAsync(HttpMethod.Delete, full.SessionId!, InferenceKey, body: null);

        foreach (var refused in new[] { call, list, stream, delete })
        {
            string body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{refused.RequestMessage!.Method}: {(int)refused.StatusCode} {body}");
            Assert.Contains("does not match the user who initiated the session", body);
        }
        Assert.Contains("start_fine_tuning", (await full.ListToolsAsync()).Select(t => t.Name));
    }

    /// <summary>
    /// serve --fine-tuning's /mcp too: a DELETE ends its session (200), and one naming the session it ended is a 404,
    /// where it was a 200 that ended nothing.
    /// </summary>
    [Fact]
    public async Task ADeleteOfAnEndedSessionIs404()
    {
        using var initialize = await InitializeMcpAsync(fixture.Running.BaseAddress, FullKey);
        string session = initialize.Headers.GetValues("Mcp-Session-Id").Single();

        using var ended = await SendInSessionAsync(HttpMethod.Delete, session, FullKey, body: null);
        using var again = await SendInSessionAsync(HttpMethod.Delete, session, FullKey, body: null);

        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Contains("to go on, POST /mcp an initialize request without that header to open a new session", await again.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> SendInSessionAsync(HttpMethod method, string sessionId, string key, string? body)
    {
        using var http = new HttpClient { BaseAddress = fixture.Running.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var request = new HttpRequestMessage(method, "/mcp");
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Add("Mcp-Session-Id", sessionId);
        // Headers only: a GET that is let in streams until the session ends.
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>
    /// An inference key calling classify_text on a service with no model was told to "fine-tune one with start_fine_tuning",
    /// a tool it can neither see nor call, and of a base encoder to "fine-tune it first": it is told that takes a full
    /// key, while a full key keeps the hint naming the tool.
    /// </summary>
    [Fact]
    public async Task AnInferenceKeyIsNotToldToFineTuneWhenNoModelIsServed()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "no-model-store"), fixture.Tiny.BaseModel,
            apiKeys: [FullKey], inferenceApiKeys: [InferenceKey]);
        await using var inference = await McpTestClients.ConnectHttpAsync(service.BaseAddress, InferenceKey, "2025-11-25");
        await using var full = await McpTestClients.ConnectHttpAsync(service.BaseAddress, FullKey, "2025-11-25");

        string none = await inference.CallFailingAsync("classify_text", new() { ["text"] = "good" });
        string baseModel = await inference.CallFailingAsync("classify_text", new() { ["text"] = "good", ["model"] = "tiny" });

        Assert.Equal("no model is served yet, and fine-tuning one takes a full API key, and this is an inference key: ask whoever holds a full key", none);
        Assert.StartsWith("'tiny' is a base encoder without a classifier head; only a model fine-tuned from it classifies, and fine-tuning takes a full API key", baseModel);
        Assert.DoesNotContain("start_fine_tuning", none + baseModel);
        Assert.StartsWith("no model is served yet; fine-tune one with start_fine_tuning", await full.CallFailingAsync("classify_text", new() { ["text"] = "good" }));
        Assert.StartsWith("'tiny' is a base encoder without a classifier head; fine-tune it first",
            await full.CallFailingAsync("classify_text", new() { ["text"] = "good", ["model"] = "tiny" }));
    }

    /// <summary>Only inference keys given: the routes that need a full key are refused to every caller, not left open.</summary>
    [Fact]
    public async Task WithOnlyInferenceKeysFilesAreRefusedToEveryCaller()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "inference-only-store"), fixture.Tiny.BaseModel,
            apiKeys: [], inferenceApiKeys: [InferenceKey]);

        using var none = await Send(service.BaseAddress, "GET", "/v1/files", null, key: null);
        using var inference = await Send(service.BaseAddress, "GET", "/v1/files", null, InferenceKey);
        using var models = await Send(service.BaseAddress, "GET", "/v1/models", null, InferenceKey);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, inference.StatusCode);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.DoesNotContain(InferenceKey, string.Join('\n', service.Logs.Lines));
    }

    /// <summary>
    /// A full key, an inference key and a wrong one, each on /predict, a management route and /mcp, sent to a service
    /// of the test's own: none is in its log. (The test read the shared service's log, holding whatever the other tests
    /// had sent by then, which in some orders was nothing.)
    /// </summary>
    [Fact]
    public async Task NoKeyReachesTheServicesLog()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "keys-log-store"), fixture.Tiny.BaseModel,
            modelDirectories: [fixture.Sentiment], apiKeys: [FullKey], inferenceApiKeys: [InferenceKey], minimumLogLevel: LogLevel.Trace);
        var answers = new List<HttpStatusCode>();

        foreach (var key in new[] { FullKey, InferenceKey, WrongKey })
        {
            using var predict = await Send(service.BaseAddress, "POST", "/predict", """{"inputs": "great", "model": "sentiment"}""", key);
            using var files = await Send(service.BaseAddress, "GET", "/v1/files", null, key);
            using var mcp = await InitializeMcpAsync(service.BaseAddress, key);
            answers.AddRange([predict.StatusCode, files.StatusCode, mcp.StatusCode]);
        }
        await using (var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, InferenceKey, "2025-11-25"))
            await client.CallAsync("classify_text", new() { ["text"] = "great", ["model"] = "sentiment" });

        // Each key got its own answer (the full key is let in everywhere, the inference key refused management, the wrong key refused), so each was read.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.OK,
            HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], answers);
        var logs = string.Join('\n', service.Logs.Lines);
        // Everything down to Trace, the framework's and the MCP SDK's included, and each request is in it (at warning and
        // above, all the shared service's log records, it held none of them, so the test could not fail).
        foreach (var answered in new[] { "POST /predict 200", "GET /v1/files 200", "GET /v1/files 403", "POST /predict 401", "GET /v1/files 401", "POST /mcp 401" })
            Assert.Contains(service.Logs.Lines, line => line.Contains(answered, StringComparison.Ordinal));
        Assert.DoesNotContain(InferenceKey, logs);
        Assert.DoesNotContain(FullKey, logs);
        Assert.DoesNotContain(WrongKey, logs);
    }

    /// <summary>An MCP <c>initialize</c> sent with <paramref name="key"/>, headers only (a session let in answers on a stream).</summary>
    private static async Task<HttpResponseMessage> InitializeMcpAsync(Uri baseAddress, string key)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string? body, string? key) => Send(fixture.Running.BaseAddress, method, path, body, key);

    private static async Task<HttpResponseMessage> Send(Uri baseAddress, string method, string path, string? body, string? key)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await http.SendAsync(request);
    }

    /// <summary>Counts the requests sent to each path, then sends them on.</summary>
    private sealed class RequestCounter() : DelegatingHandler(new HttpClientHandler())
    {
        private readonly Dictionary<string, int> _counts = [];

        public int To(string path)
        {
            lock (_counts) return _counts.GetValueOrDefault(path);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_counts) _counts[request.RequestUri!.AbsolutePath] = _counts.GetValueOrDefault(request.RequestUri!.AbsolutePath) + 1;
            return base.SendAsync(request, cancellationToken);
        }
    }

    public sealed class Service : IAsyncLifetime
    {
        internal TinyTrainingFixture Tiny { get; } = new();

        internal ServiceUnderTest Running { get; private set; } = null!;

        /// <summary>The toy sentiment model the service serves from its directory, with an explain graph.</summary>
        internal string Sentiment => Path.Combine(Tiny.Root, "sentiment");

        public async Task InitializeAsync()
        {
            ToyClassifierModel.Write(Sentiment, ToyClassifierModel.Sentiment);
            ModelExporter.AddExplainGraph(Sentiment);
            Running = await ServiceUnderTest.StartAsync(Path.Combine(Tiny.Root, "store"), Tiny.BaseModel, modelDirectories: [Sentiment],
                apiKeys: [FullKey], inferenceApiKeys: [InferenceKey]);
        }

        public async Task DisposeAsync()
        {
            await Running.DisposeAsync();
            Tiny.Dispose();
        }
    }
}
