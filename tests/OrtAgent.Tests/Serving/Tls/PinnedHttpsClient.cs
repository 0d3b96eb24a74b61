using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OrtAgent.Tests.Serving.Tls;

/// <summary>
/// HTTP clients for a test server on https that trust exactly one certificate, compared by thumbprint, as a client
/// that pins a self-signed certificate does; and a probe that reports which certificate a new connection was given.
/// </summary>
internal static class PinnedHttpsClient
{
    /// <summary>A client of <paramref name="baseAddress"/> that accepts <paramref name="trusted"/> and no other certificate.</summary>
    public static HttpClient Create(Uri baseAddress, X509Certificate2 trusted) =>
        new(Handler(trusted)) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A handler that accepts <paramref name="trusted"/> and no other certificate (for clients built on one: OpenAI's, MCP's).</summary>
    public static SocketsHttpHandler Handler(X509Certificate2 trusted) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == trusted.Thumbprint,
        },
    };

    /// <summary>
    /// Opens a new connection to <paramref name="baseAddress"/>, asks for <c>/health</c> and returns the thumbprint of the
    /// certificate the server presented (accepted whatever it is, so that a test can see a wrong one).
    /// </summary>
    public static async Task<string> PresentedThumbprintAsync(Uri baseAddress)
    {
        string? presented = null;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate?.GetCertHashString();
                    return true;
                },
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var health = await client.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        return presented ?? throw new InvalidOperationException("no certificate was presented");
    }
}
