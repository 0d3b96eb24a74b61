using OrtAgent.Serving;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OrtAgent.Tests.Mcp;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// <c>serve</c> with full and inference keys: an inference key classifies, explains and reads the model's details and
/// metrics, and is refused reload with a 403 that says why and never repeats the key.
/// </summary>
public sealed class InferenceApiKeyTests
{
    private const string FullKey = "full-key-3c9a71d2", InferenceKey = "inference-key-8e24f0b6", WrongKey = "no-such-key-51aa";

    [Theory]
    [InlineData("POST", "/predict", """{"inputs": "good"}""")]
    [InlineData("POST", "/explain", """{"inputs": "good"}""")]
    [InlineData("GET", "/info", null)]
    [InlineData("GET", "/metrics", null)]
    public async Task AnInferenceKeyReachesWhatAFullKeyReachesToClassifyExplainAndDescribe(string method, string path, string? body)
    {
        await using var server = await StartAsync();

        using var none = await SendAsync(server, method, path, body, key: null);
        using var wrong = await SendAsync(server, method, path, body, WrongKey);
        using var inference = await SendAsync(server, method, path, body, InferenceKey);
        using var full = await SendAsync(server, method, path, body, FullKey);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        // The endpoint itself answered the inference key, as it answers the full key (the toy model has no explain graph:
        // /explain answers both with the same 409).
        Assert.NotEqual(HttpStatusCode.Unauthorized, inference.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, inference.StatusCode);
        Assert.Equal(full.StatusCode, inference.StatusCode);
    }

    [Fact]
    public async Task AnInferenceKeyIsRefusedReloadWithA403ThatNamesWhatItLacksAndNotTheKey()
    {
        await using var server = await StartAsync();

        using var none = await SendAsync(server, "POST", "/admin/reload", "{}", key: null);
        using var inference = await SendAsync(server, "POST", "/admin/reload", "{}", InferenceKey);
        using var full = await SendAsync(server, "POST", "/admin/reload", "{}", FullKey);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        string message = await RequestValidationTests.AssertErrorAsync(inference, HttpStatusCode.Forbidden, "insufficient_permissions");
        // serve has no files, jobs or fine-tuned models to manage, which the 403 named: it names what a full key may do here.
        Assert.Equal("insufficient permissions: POST /admin/reload needs a full API key, and this is an inference key, "
            + "which may only classify and explain texts and read the models (missing scope: reload the model)", message);
        Assert.Equal("false", Assert.Single(inference.Headers.GetValues("x-should-retry")));
        Assert.DoesNotContain(InferenceKey, message);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        var logs = string.Join('\n', server.Logs.Lines);
        Assert.DoesNotContain(InferenceKey, logs);
        Assert.DoesNotContain(FullKey, logs);
        Assert.DoesNotContain(WrongKey, logs);
    }

    /// <summary>Only inference keys: reload is refused to every caller, even where unauthenticated reload was allowed, not opened.</summary>
    [Fact]
    public async Task WithOnlyInferenceKeysReloadIsRefusedToEveryCaller()
    {
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, inferenceApiKeys: [InferenceKey], allowUnauthenticatedReload: true));

        using var none = await SendAsync(server, "POST", "/admin/reload", "{}", key: null);
        using var inference = await SendAsync(server, "POST", "/admin/reload", "{}", InferenceKey);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, inference.StatusCode);
        Assert.Equal("positive", await server.PredictTopLabelAsync("good", InferenceKey));
    }

    /// <summary>A path without a route, or a route's other method, is answered as to a full key: nothing there needs one.</summary>
    [Theory]
    [InlineData("GET", "/nowhere", HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/predict", HttpStatusCode.MethodNotAllowed)]
    public async Task WhatNoRouteAnswersIsAnsweredToAnInferenceKeyAsToAFullKey(string method, string path, HttpStatusCode status)
    {
        await using var server = await StartAsync();

        using var inference = await SendAsync(server, method, path, null, InferenceKey);
        using var full = await SendAsync(server, method, path, null, FullKey);

        Assert.Equal(status, inference.StatusCode);
        Assert.Equal(status, full.StatusCode);
    }

    /// <summary>
    /// Every spelling routing takes for /health is open, as /health is: /health/ was refused to an inference key (403,
    /// "needs a full API key") and to no key (401), the check having matched the path string.
    /// </summary>
    [Theory]
    [InlineData("GET", "/health")]
    [InlineData("GET", "/health/")]
    [InlineData("GET", "/HEALTH")]
    [InlineData("HEAD", "/Health/")]
    public async Task HealthIsOpenToEveryCallerHoweverItsPathIsSpelled(string method, string path)
    {
        await using var server = await StartAsync();

        foreach (var key in new[] { null, InferenceKey, FullKey, WrongKey })
        {
            using var response = await SendAsync(server, method, path, null, key);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path} with {key ?? "no key"}: {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task AnInferenceKeyListsAndCallsServesMcpTools(string? protocolVersion)
    {
        await using var server = await StartAsync();
        await using var client = await McpTestClients.ConnectHttpAsync(server.BaseAddress, InferenceKey, protocolVersion);

        Assert.Equal(["classify_text", "explain_text", "list_models"], (await client.ListToolsAsync()).Select(t => t.Name).Order());
        var answer = await client.CallAsync("classify_text", new() { ["text"] = "great" });
        Assert.Equal("positive", answer.GetProperty("results")[0].GetProperty("label").GetString());
    }

    /// <summary>
    /// Where keys are configured, a request whose scope was not recorded is taken as an inference key's, never as a full
    /// key's: the MCP filters had read "none recorded" as full, so any path that missed the check would have had it all.
    /// </summary>
    [Fact]
    public void AScopeNotRecordedIsInferenceWhereKeysAreConfigured()
    {
        var unrecorded = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        var recorded = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        InferenceKeyAccess.SetScope(recorded, ApiKeyScope.Full);

        Assert.Equal(ApiKeyScope.Inference, InferenceKeyAccess.ScopeOf(unrecorded, keysConfigured: true));
        Assert.Equal(ApiKeyScope.Inference, InferenceKeyAccess.ScopeOf(null, keysConfigured: true));
        Assert.Equal(ApiKeyScope.Full, InferenceKeyAccess.ScopeOf(recorded, keysConfigured: true));
        Assert.Equal(ApiKeyScope.Full, InferenceKeyAccess.ScopeOf(unrecorded, keysConfigured: false));
        Assert.Equal(ApiKeyScope.Full, InferenceKeyAccess.ScopeOf(null, keysConfigured: false));
    }

    private static Task<ServerUnderTest> StartAsync() =>
        ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [FullKey], inferenceApiKeys: [InferenceKey]));

    private static Task<HttpResponseMessage> SendAsync(ServerUnderTest server, string method, string path, string? body, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return server.Client.SendAsync(request);
    }
}
