using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>
/// Middleware that admits a request only with <c>Authorization: Bearer &lt;key&gt;</c> naming a configured key, except
/// <c>/health</c>, which load balancers probe without credentials. A full key (<see cref="ServingOptions.ApiKeys"/>)
/// reaches every route; an inference key (<see cref="ServingOptions.InferenceApiKeys"/>) only the routes that classify,
/// explain and describe models (<see cref="InferenceKeyAccess"/>), and anything else is a 403 saying so. Keys are held and
/// compared as SHA-256 digests with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither a key's length nor
/// its matching prefix shows in the response time; the presented key is never logged nor written back.
/// </summary>
internal sealed class ApiKeyAuthentication
{
    private readonly RequestDelegate _next;
    private readonly byte[][] _fullKeyDigests;
    private readonly byte[][] _inferenceKeyDigests;
    private readonly byte[] _userIdSecret = RandomNumberGenerator.GetBytes(32);
    private const string BearerScheme = "Bearer ";

    // What a full key may do that an inference key may not, on this kind of server, as the 403 names it.
    private readonly string _fullKeyScope;

    /// <param name="next">The rest of the pipeline.</param>
    /// <param name="options">The keys.</param>
    /// <param name="fullKeyScope">
    /// What only a full key may do on this server, as OpenAI's 403 names a missing scope: "reload the model" on a
    /// server of one model, where the words of the fine-tuning service named routes that server does not have.
    /// </param>
    public ApiKeyAuthentication(RequestDelegate next, ServingOptions options, string fullKeyScope)
    {
        _next = next;
        _fullKeyScope = fullKeyScope;
        _fullKeyDigests = Digests(options.ApiKeys);
        _inferenceKeyDigests = Digests(options.InferenceApiKeys);
    }

    private static byte[][] Digests(IReadOnlyList<string> keys) => keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();

    public Task InvokeAsync(HttpContext context)
    {
        if (_fullKeyDigests.Length + _inferenceKeyDigests.Length == 0 || InferenceKeyAccess.IsOpen(context.GetEndpoint()))
            return _next(context);
        string? presented = PresentedKey(context.Request);
        if (ScopeOf(presented) is { } scope)
        {
            if (scope == ApiKeyScope.Inference && !InferenceKeyAccess.Admits(context.GetEndpoint())) return RefuseInferenceKeyAsync(context);
            InferenceKeyAccess.SetScope(context, scope);
            context.User = UserOf(presented!);
            return _next(context);
        }
        context.Response.Headers.WWWAuthenticate = "Bearer";
        // OpenAI's clients are answered in OpenAI's words and envelope, which its SDKs read (a path without /v1 too, as
        // its 404 is); /mcp with a JSON-RPC error.
        var shape = PathErrorBody.ShapeFor(context);
        // No key at all is told as such, as OpenAI tells it: "Incorrect API key" sent a client that set none looking
        // for a typo in a key it never sent. "Bearer" with nothing after it, or another scheme (Basic), sends no key either.
        bool sentNone = string.IsNullOrEmpty(presented);
        return shape == ErrorBodyShape.OpenAIEnvelope
            ? PathErrorBody.WriteAsync(context, shape, StatusCodes.Status401Unauthorized, "invalid_api_key", sentNone
                ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)"
                : "Incorrect API key provided: send 'Authorization: Bearer <key>'")
            : PathErrorBody.WriteAsync(context, shape, StatusCodes.Status401Unauthorized, "unauthorized", sentNone
                ? "no API key was sent: send 'Authorization: Bearer <key>'"
                : "a valid API key is required: send 'Authorization: Bearer <key>'");
    }

    /// <summary>
    /// A valid inference key on a route it may not call: 403, worded as OpenAI words a restricted key's refusal
    /// ("insufficient permissions … missing scope"), naming the request and the key's kind, never the key. A retry with
    /// the same key would be refused the same way, which <c>x-should-retry: false</c> tells OpenAI's Python and Node
    /// libraries (the .NET one never retries a 403).
    /// </summary>
    private Task RefuseInferenceKeyAsync(HttpContext context)
    {
        context.Response.Headers[FineTuningService.Api.OpenAIErrorEnvelope.ShouldRetryHeader] = "false";
        return PathErrorBody.WriteAsync(context, StatusCodes.Status403Forbidden, "insufficient_permissions",
            $"insufficient permissions: {context.Request.Method} {context.Request.Path} needs a full API key, and this is an inference key, "
            + $"which may only classify and explain texts and read the models (missing scope: {_fullKeyScope})");
    }

    /// <summary>
    /// The request's key as a user, so the MCP SDK ties a session to the key that opened it and answers another key that
    /// sends its Mcp-Session-Id 403 ("does not match the user who initiated the session"): without one, an inference key
    /// could end a full key's session, cancel its calls or read its event stream. The user's id is a digest of the key
    /// keyed with a secret drawn when the server starts, so it names the key without holding it, nor anything a log that
    /// showed it would let anyone test a guessed key against.
    /// </summary>
    private ClaimsPrincipal UserOf(string presentedKey)
    {
        var id = Convert.ToHexString(HMACSHA256.HashData(_userIdSecret, Encoding.UTF8.GetBytes(presentedKey)));
        return new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id)], authenticationType: "Bearer"));
    }

    /// <summary>The bearer key the request presents, trimmed; null without a bearer <c>Authorization</c> header.</summary>
    private static string? PresentedKey(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        return header is not null && header.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) ? header.AsSpan(BearerScheme.Length).Trim().ToString() : null;
    }

    /// <summary>The scope of <paramref name="presentedKey"/>, or null for none or a key that is not configured.</summary>
    private ApiKeyScope? ScopeOf(string? presentedKey)
    {
        if (presentedKey is null) return null;
        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), presented);
        bool full = false, inference = false;
        // Check every key of both kinds, without stopping at a match, so the time taken does not reveal which key matched
        // nor its kind. (A key is never of both kinds: ServingOptions refuses that.)
        foreach (var digest in _fullKeyDigests)
            full |= CryptographicOperations.FixedTimeEquals(presented, digest);
        foreach (var digest in _inferenceKeyDigests)
            inference |= CryptographicOperations.FixedTimeEquals(presented, digest);
        return full ? ApiKeyScope.Full : inference ? ApiKeyScope.Inference : null;
    }
}
