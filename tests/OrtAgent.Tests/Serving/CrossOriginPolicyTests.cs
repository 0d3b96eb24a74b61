using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using OrtAgent.BaseModels;
using OrtAgent.FineTuningService;
using OrtAgent.Serving;
using OrtAgent.Tests.FineTuningService;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A web front end on another origin (a dev server on localhost:5173, an app on its own host) that the operator allowed
/// with <c>--allow-origin</c>: its visitors' browsers may call the server, preflights included, and are told so in CORS
/// headers naming that origin alone; every other origin is refused as before.
/// </summary>
public sealed class CrossOriginPolicyTests : IAsyncLifetime
{
    private const string Key = "page-key";
    private const string DevServer = "http://localhost:5173";
    private const string AppHost = "https://app.example.com";
    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() =>
        _server = await ServerUnderTest.StartAsync(directory => ServerUnderTest.Options(directory, apiKeys: [Key], allowedOrigins: [DevServer, AppHost]));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(DevServer)]
    [InlineData(AppHost)]
    public async Task AnAllowedOriginsCallIsServedWithHeadersNamingThatOriginAlone(string origin)
    {
        using var response = await _server.Client.SendAsync(Predict(origin, Key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([origin], response.Headers.GetValues("Access-Control-Allow-Origin"));
        Assert.Contains("Origin", response.Headers.Vary);
        Assert.Contains("Mcp-Session-Id", Listed(response, "Access-Control-Expose-Headers"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    /// <summary>
    /// A page's script reads only the headers it is shown: OpenAI's Node library in a browser never saw
    /// <c>x-should-retry: false</c>, so it retried refusals a retry meets again, and the request id was hidden from reports.
    /// </summary>
    [Fact]
    public async Task APageIsShownWhetherToRetryAndTheRequestId()
    {
        using var response = await _server.Client.SendAsync(Predict(DevServer, Key));

        var exposed = Listed(response, "Access-Control-Expose-Headers");
        Assert.Contains("x-should-retry", exposed);
        Assert.Contains("x-request-id", exposed);
        Assert.True(response.Headers.Contains("x-request-id"));
    }

    [Theory]
    [InlineData("/predict")]
    [InlineData("/explain")]
    [InlineData("/admin/reload")]
    [InlineData("/mcp")]
    public async Task APreflightFromAnAllowedOriginIsAnswered204WithoutAKey(string path)
    {
        // Browsers send the preflight without credentials; refused with a 401, the call it asks about is never made.
        using var response = await _server.Client.SendAsync(Preflight(path, DevServer));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal([DevServer], response.Headers.GetValues("Access-Control-Allow-Origin"));
        Assert.Equal(["GET", "POST", "DELETE"], Listed(response, "Access-Control-Allow-Methods"));
        // What the servers read, and what the page's client asked for besides (the OpenAI SDKs send their own headers).
        Assert.Equal(["Authorization", "Content-Type", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID", "x-stainless-os"],
            Listed(response, "Access-Control-Allow-Headers"));
        Assert.Equal(["600"], response.Headers.GetValues("Access-Control-Max-Age"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AnAllowedOriginsCallWithoutAKeyIs401AndItsPageCanReadWhy()
    {
        using var response = await _server.Client.SendAsync(Predict(DevServer, apiKey: null));

        await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal([DevServer], response.Headers.GetValues("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://localhost:5174")]
    [InlineData("https://localhost:5173")]
    [InlineData("http://localhost:5173.evil.example")]
    [InlineData("http://app.example.com")]
    [InlineData("null")]
    [InlineData("http://localhost:5173, http://evil.example")]
    public async Task AnOriginNotOnTheListIsRefusedAsBeforeAndToldNothing(string origin)
    {
        using var call = await _server.Client.SendAsync(Predict(origin, Key));
        using var preflight = await _server.Client.SendAsync(Preflight("/predict", origin));

        foreach (var response in new[] { call, preflight })
        {
            await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.Forbidden, "cross_origin");
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
            Assert.Contains("Origin", response.Headers.Vary);
        }
    }

    [Fact]
    public async Task ARequestWithoutOriginGetsNoCorsHeadersButVariesByOrigin()
    {
        // A cache that kept this answer must not hand it to a page's request, which carries an Origin.
        using var response = await _server.GetAsync("/info", Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Contains("Origin", response.Headers.Vary);
    }

    [Fact]
    public async Task AnAllowedOriginStillReachesALoopbackServerOnlyByALoopbackName()
    {
        using var request = Predict(DevServer, Key);
        request.Headers.Host = "rebind.attacker.example";

        using var response = await _server.Client.SendAsync(request);

        await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.MisdirectedRequest, "invalid_host");
    }

    [Fact]
    public async Task McpServesAnAllowedOriginAndRefusesOthersWithAJsonRpcError()
    {
        using var allowed = HostAndOriginCheckTests.McpInitializeRequest();
        allowed.Headers.Add("Origin", DevServer);
        allowed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var other = HostAndOriginCheckTests.McpInitializeRequest();
        other.Headers.Add("Origin", "http://evil.example");
        other.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        using var served = await _server.Client.SendAsync(allowed);
        using var refused = await _server.Client.SendAsync(other);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal([DevServer], served.Headers.GetValues("Access-Control-Allow-Origin"));
        // A browser client reads its session from this header, so it must be exposed to the page.
        Assert.True(served.Headers.Contains("Mcp-Session-Id"));
        await HostAndOriginCheckTests.AssertJsonRpcErrorAsync(refused, HttpStatusCode.Forbidden, "http://evil.example");
    }

    [Fact]
    public async Task EveryOriginIsAnsweredWithAStarThatBrowsersNeverSendCredentialsTo()
    {
        await using var server = await ServerUnderTest.StartAsync(directory => ServerUnderTest.Options(directory, apiKeys: [Key], allowedOrigins: ["*"]));

        using var call = await server.Client.SendAsync(Predict("https://anywhere.example", Key));
        using var preflight = await server.Client.SendAsync(Preflight("/predict", "https://anywhere.example"));
        using var keyless = await server.Client.SendAsync(Predict("https://anywhere.example", apiKey: null));

        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, keyless.StatusCode);
        foreach (var response in new[] { call, preflight, keyless })
        {
            Assert.Equal(["*"], response.Headers.GetValues("Access-Control-Allow-Origin"));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        }
    }

    [Fact]
    public async Task TheFineTuningServiceAdmitsAnAllowedOriginAndRefusesOthersInOpenAIsEnvelope()
    {
        using var store = new TempDirectory("cors-store");
        var app = FineTuningServer.Build(new FineTuningServiceOptions
        {
            Serving = new ServingOptions { Urls = ["http://127.0.0.1:0"], ApiKeys = [Key], AllowedOrigins = [DevServer] },
            StoreDirectory = store.Path,
            Classifier = new Runtime.TextClassifierOptions { Session = new Runtime.OrtSessionSettings { IntraOpThreads = 1 } },
        }, new BaseModelResolver(new FakeBaseModelStore()), logging => logging.SetMinimumLevel(LogLevel.Warning));
        await using (app)
        {
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };

            using var preflight = await client.SendAsync(Preflight("/v1/files", DevServer));
            using var list = await client.SendAsync(Get("/v1/models", DevServer, Key));
            using var refused = await client.SendAsync(Get("/v1/models", "http://evil.example", Key));

            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.Equal([DevServer], list.Headers.GetValues("Access-Control-Allow-Origin"));
            Assert.Equal("cross_origin", (await FineTuningErrorTests.AssertErrorAsync(refused, HttpStatusCode.Forbidden)).GetProperty("code").GetString());
            await app.StopAsync();
        }
    }

    private static HttpRequestMessage Predict(string origin, string? apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = new StringContent("""{"inputs": "good"}""", Encoding.UTF8, "application/json") };
        request.Headers.Add("Origin", origin);
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return request;
    }

    private static HttpRequestMessage Get(string path, string origin, string apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return request;
    }

    /// <summary>The preflight a browser sends before a page's JSON POST with a key: no credentials, only what it will ask.</summary>
    private static HttpRequestMessage Preflight(string path, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-stainless-os");
        return request;
    }

    private static string[] Listed(HttpResponseMessage response, string header) =>
        response.Headers.GetValues(header).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
}
