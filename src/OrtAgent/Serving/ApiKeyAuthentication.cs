using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>
/// Middleware that admits a request only with <c>Authorization: Bearer &lt;key&gt;</c> naming a configured key, except
/// <c>/health</c>, which load balancers probe without credentials. Keys are held and compared as SHA-256 digests with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither a key's length nor its matching prefix shows in the
/// response time; the presented key is never logged.
/// </summary>
internal sealed class ApiKeyAuthentication
{
    private readonly RequestDelegate _next;
    private readonly byte[][] _keyDigests;

    public ApiKeyAuthentication(RequestDelegate next, IReadOnlyList<string> apiKeys)
    {
        _next = next;
        _keyDigests = apiKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (_keyDigests.Length == 0 || context.Request.Path.Equals(ServingEndpoints.HealthPath, StringComparison.OrdinalIgnoreCase) || IsAuthorized(context.Request))
            return _next(context);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        // OpenAI's clients are answered in OpenAI's words and envelope, which its SDKs read (a path without /v1 too, as
        // its 404 is); /mcp with a JSON-RPC error.
        var shape = PathErrorBody.ShapeFor(context);
        return shape == ErrorBodyShape.OpenAIEnvelope
            ? PathErrorBody.WriteAsync(context, shape, StatusCodes.Status401Unauthorized, "invalid_api_key", "Incorrect API key provided: send 'Authorization: Bearer <key>'")
            : PathErrorBody.WriteAsync(context, shape, StatusCodes.Status401Unauthorized, "unauthorized", "a valid API key is required: send 'Authorization: Bearer <key>'");
    }

    private bool IsAuthorized(HttpRequest request)
    {
        const string scheme = "Bearer ";
        string? header = request.Headers.Authorization;
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(scheme.Length).Trim().ToString()), presented);
        bool matched = false;
        // Check every key, without stopping at a match, so the time taken does not reveal which key matched.
        foreach (var digest in _keyDigests)
            matched |= CryptographicOperations.FixedTimeEquals(presented, digest);
        return matched;
    }
}
