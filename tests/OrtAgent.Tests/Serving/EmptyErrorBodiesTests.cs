using System.Net;
using System.Text;
using System.Text.Json;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// The 404, 405 and 415 that ASP.NET answers itself, on a real <c>serve</c>: each in the error body of its path's
/// clients (a JSON-RPC error on /mcp, OpenAI's envelope under /v1, serve's own body elsewhere), the status unchanged.
/// </summary>
public sealed class EmptyErrorBodiesTests : IAsyncLifetime
{
    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() => _server = await ServerUnderTest.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        var response = await _server.Client.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response, body.RootElement.Clone());
    }

    private static void AssertJsonRpcError(JsonElement body, string message)
    {
        Assert.Equal("2.0", body.GetProperty("jsonrpc").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("id").ValueKind);
        Assert.Equal(-32000, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(message, body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task AWrongMethodOnMcpIs405WithAJsonRpcError()
    {
        var (response, body) = await SendAsync(HttpMethod.Put, "/mcp");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["DELETE", "GET", "POST"], response.Content.Headers.Allow.Order());
        AssertJsonRpcError(body, "PUT is not allowed on /mcp; allowed: DELETE, GET, POST");
    }

    [Fact]
    public async Task ABodyTypeMcpDoesNotTakeIs415WithAJsonRpcError()
    {
        var (response, body) = await SendAsync(HttpMethod.Post, "/mcp", new StringContent("hi", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        AssertJsonRpcError(body, "/mcp does not take a body of type 'text/plain; charset=utf-8'; send application/json");
    }

    [Fact]
    public async Task AnUnknownPathUnderMcpIs404WithAJsonRpcError()
    {
        var (response, body) = await SendAsync(HttpMethod.Get, "/mcp/nothing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertJsonRpcError(body, "no endpoint at /mcp/nothing; see /admin/reload, /explain, /health, /info, /mcp, /metrics, /predict");
    }

    /// <summary>
    /// Plain serve has no /v1 endpoints, but an OpenAI client pointed at it reads the envelope, with the code serve
    /// --fine-tuning gives an unknown /v1 path (it was not_found here, unknown_url there).
    /// </summary>
    [Fact]
    public async Task AnUnknownPathUnderV1Is404InOpenAIsEnvelope()
    {
        var (response, body) = await SendAsync(HttpMethod.Get, "/v1/models");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = body.GetProperty("error");
        Assert.Equal("no endpoint at /v1/models; see /admin/reload, /explain, /health, /info, /mcp, /metrics, /predict", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        // The code serve --fine-tuning gives the same request, and OpenAI an unknown URL.
        Assert.Equal("unknown_url", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ElsewhereAWrongMethodIs405InServesOwnBody()
    {
        var (response, body) = await SendAsync(HttpMethod.Put, "/health");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("PUT is not allowed on /health; allowed: GET, HEAD", body.GetProperty("error").GetString());
        Assert.Equal("method_not_allowed", body.GetProperty("error_type").GetString());
    }
}
