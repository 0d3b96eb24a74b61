using System.Net;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// HEAD was a 405 on serve's GET routes but /health: load balancers, link checkers and <c>curl -I</c> probe with it.
/// Every GET route answers it with GET's status. (Kestrel sends no body for a HEAD whatever a handler writes, and
/// HttpClient reads none, so no assertion here could see one.)
/// </summary>
public sealed class HeadRequestTests : IAsyncLifetime
{
    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() => _server = await ServerUnderTest.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/info", HttpStatusCode.OK)]
    [InlineData("/metrics", HttpStatusCode.OK)]
    [InlineData("/health", HttpStatusCode.OK)]
    [InlineData("/info?model=another", HttpStatusCode.NotFound)]
    public async Task HeadIsAnsweredWhereverGetIs(string path, HttpStatusCode status)
    {
        using var response = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(status, response.StatusCode);
    }

    [Fact]
    public async Task HeadOnAPostRouteIsStillA405()
    {
        using var response = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/predict"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
    }
}
