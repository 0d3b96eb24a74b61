using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// What a web page of another site can make a browser send to a server on loopback: through DNS rebinding (its own
/// name in Host) and cross-site posts (its origin in Origin), it reaches no endpoint; every other client is served.
/// </summary>
public sealed class HostAndOriginCheckTests : IAsyncLifetime
{
    private const string RebindingHost = "rebind.attacker.example:18728";
    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() => _server = await ServerUnderTest.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private int Port => _server.BaseAddress.Port;

    [Theory]
    [InlineData("/info")]
    [InlineData("/health")]
    [InlineData("/metrics")]
    public async Task ARebindingHostIsRefused(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = RebindingHost;

        using var response = await _server.Client.SendAsync(request);

        var message = await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.MisdirectedRequest, "invalid_host");
        Assert.Equal($"Host '{RebindingHost}' is not this server's: it listens on loopback only and answers requests for localhost, 127.0.0.1 or [::1]", message);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LocalHost:{0}")]
    [InlineData("127.0.0.1:{0}")]
    [InlineData("127.0.0.2:8080")]
    [InlineData("[::1]:{0}")]
    public async Task LoopbackNamesAreServed(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/info");
        request.Headers.Host = string.Format(host, Port);

        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("null")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:{0}, http://evil.example")]
    [InlineData("http://localhost:{0}")]
    public async Task APostFromAPageOfAnotherOriginIsRefused(string origin)
    {
        using var response = await PostFromAsync(origin);

        var message = await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.Forbidden, "cross_origin");
        Assert.EndsWith("requests from web pages of other sites are refused; clients other than browsers send no Origin header", message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{0}")]
    [InlineData("https://127.0.0.1:{0}")]
    public async Task APostFromThisServersOwnOriginIsServed(string origin)
    {
        using var response = await PostFromAsync(origin, "application/json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// Posts to /predict as a page's form or no-cors fetch does: text/plain, which needs no CORS preflight, and which the
    /// origin check refuses before /predict refuses its type (415); from the server's own origin, as a page's fetch of JSON.
    /// </summary>
    private Task<HttpResponseMessage> PostFromAsync(string origin, string mediaType = "text/plain")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/predict") { Content = new StringContent("""{"inputs": "good"}""", Encoding.UTF8, mediaType) };
        request.Headers.Add("Origin", string.Format(origin, Port));
        return _server.Client.SendAsync(request);
    }

    [Theory]
    [InlineData("Host", RebindingHost, HttpStatusCode.MisdirectedRequest)]
    [InlineData("Origin", "http://evil.example", HttpStatusCode.Forbidden)]
    public async Task McpAnswersARefusalAsAJsonRpcError(string header, string value, HttpStatusCode status)
    {
        using var request = McpInitializeRequest();
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await _server.Client.SendAsync(request);

        await AssertJsonRpcErrorAsync(response, status, value);
    }

    /// <summary>The <c>initialize</c> an MCP client opens with, as a POST to <c>/mcp</c>.</summary>
    internal static HttpRequestMessage McpInitializeRequest() => McpPost(
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"page","version":"1"}}}""");

    /// <summary><paramref name="json"/> POSTed to <c>/mcp</c> as MCP's Streamable HTTP clients send it (JSON, accepting JSON or an event stream).</summary>
    internal static HttpRequestMessage McpPost(string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return request;
    }

    /// <summary>Asserts a refusal in the body <c>/mcp</c> refuses with: a JSON-RPC error without an id, its message naming <paramref name="named"/>.</summary>
    internal static async Task AssertJsonRpcErrorAsync(HttpResponseMessage response, HttpStatusCode status, string named)
    {
        Assert.Equal(status, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("2.0", body.RootElement.GetProperty("jsonrpc").GetString());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("id").ValueKind);
        Assert.Equal(-32000, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains(named, body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://LOCALHOST:0", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://127.3.2.1:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://192.168.1.20:8080", false)]
    [InlineData("http://myhost:8080", false)]
    [InlineData("http://unix:/tmp/ortagent.sock", false)]
    public void OnlyLocalhostAndLoopbackIpsAreLoopbackAddresses(string url, bool loopback) =>
        Assert.Equal(loopback, HostAndOriginCheck.IsLoopback(url));

    /// <summary>
    /// Bound to every interface, the server is reached by names it cannot know (its DNS name, a proxy's), so any Host
    /// is served; a page of another site is still refused by its Origin. (Checked on the middleware alone: tests
    /// listen on loopback only.)
    /// </summary>
    [Fact]
    public async Task OnANonLoopbackAddressAnyHostIsServedButOtherOriginsAreNot()
    {
        var check = new HostAndOriginCheck(context => { context.Response.StatusCode = StatusCodes.Status204NoContent; return Task.CompletedTask; },
            new ServingOptions { Urls = ["http://127.0.0.1:8080", "http://0.0.0.0:8080"] });

        Assert.Equal(StatusCodes.Status204NoContent, await StatusAsync(check, "ortagent.example.org:8080", origin: null));
        Assert.Equal(StatusCodes.Status204NoContent, await StatusAsync(check, "ortagent.example.org", origin: "https://ortagent.example.org"));
        Assert.Equal(StatusCodes.Status403Forbidden, await StatusAsync(check, "ortagent.example.org:8080", origin: "http://evil.example"));
    }

    private static async Task<int> StatusAsync(HostAndOriginCheck check, string host, string? origin)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/predict";
        context.Request.Host = new HostString(host);
        if (origin is not null) context.Request.Headers.Origin = origin;
        await check.InvokeAsync(context);
        return context.Response.StatusCode;
    }
}
