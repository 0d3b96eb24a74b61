using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.Serving;

/// <summary>
/// The origins of other sites whose pages may call the server (<see cref="ServingOptions.AllowedOrigins"/>), and the CORS
/// headers that let their visitors' browsers make those calls: the one place that says which origin is admitted and what
/// it is told. <see cref="HostAndOriginCheck"/> asks it first; an origin it does not admit meets the usual own-origin
/// check there.
/// </summary>
/// <remarks>
/// An admitted origin is echoed in <c>Access-Control-Allow-Origin</c> as the list spells it, never as the request did;
/// with <see cref="Any"/> the header is <c>*</c>, which browsers never combine with cookies or HTTP authentication, and
/// <c>Access-Control-Allow-Credentials</c> is never sent: the API key is a header the page's script sets itself. A
/// preflight (<c>OPTIONS</c> with <c>Access-Control-Request-Method</c>) from an admitted origin is answered here, 204,
/// before API keys, since browsers send preflights without them.
/// </remarks>
internal sealed class CrossOriginPolicy
{
    /// <summary>The allow-list entry that admits every origin (ServingOptions requires API keys with it).</summary>
    public const string Any = "*";

    /// <summary>What every allow-list problem ends with: what an origin looks like.</summary>
    private const string Example = "give scheme://host[:port] with http or https, for example http://localhost:5173";

    // Long enough to spare a page a preflight per call, short enough that narrowing the list and restarting takes effect soon.
    private const string MaxAgeSeconds = "600";

    // Every method the servers map (HEAD, answered wherever GET is, is a CORS-safelisted method needing no preflight).
    private const string Methods = "GET, POST, DELETE";

    // What a page's script must be able to read: MCP's session, the wait after a 429, the scheme a 401 asks for, the
    // inputs /predict cut at the model's maximum length, whether a refusal is worth a retry (OpenAI's Node library,
    // which retries 409 and 429 unless told not to, reads nothing it is not shown), and the request's id for a report.
    private const string ExposedHeaders = "Mcp-Session-Id, Retry-After, WWW-Authenticate, " + ServingEndpoints.TruncatedInputsHeader
        + ", " + OpenAIErrorEnvelope.ShouldRetryHeader + ", " + RequestTelemetry.RequestIdHeader;

    // The request headers the servers read. Whatever else an admitted page's client asks for in its preflight (the OpenAI
    // SDKs' X-Stainless-* headers) is allowed too: the server ignores headers it does not read.
    private static readonly string[] ReadHeaders = ["Authorization", "Content-Type", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID"];

    private readonly HashSet<string> _origins;
    private readonly bool _any;

    public CrossOriginPolicy(IReadOnlyList<string> allowedOrigins)
    {
        _any = allowedOrigins.Contains(Any);
        _origins = allowedOrigins.Where(o => o != Any).Select(o => Serialize(o) ?? o).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// What is wrong with <paramref name="value"/> as an allow-list entry, or null when it is an origin as browsers send
    /// it (<c>scheme://host[:port]</c>, http or https, nothing after) or <see cref="Any"/>.
    /// </summary>
    public static string? Problem(string value) =>
        value == Any || Serialize(value) is not null ? null
        : value.Equals("null", StringComparison.OrdinalIgnoreCase)
            ? "'null' is the origin browsers give sandboxed pages and local files, of every site: allowing it would allow them all"
        : value.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 && value.AsSpan(scheme + 3).IndexOfAny("/?#") >= 0
            ? $"an origin has no path, query or fragment, not even a trailing '/'; {Example}"
        : $"not an origin; {Example}";

    /// <summary>
    /// <paramref name="value"/> as browsers serialize an origin (lowercase scheme and host, no default port), or null when
    /// it is not exactly an http or https origin: no user name, path, query, fragment or white space.
    /// </summary>
    private static string? Serialize(string value)
    {
        int authority = value.IndexOf("://", StringComparison.Ordinal);
        if (authority < 0 || value.AsSpan(authority + 3).IndexOfAny("/?#@\\") >= 0 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            return null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0) return null;
        // Browsers send a name beyond ASCII in its punycode form; IdnHost drops an IPv6 address's brackets.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
    }

    /// <summary>
    /// Whether <paramref name="origin"/> (the request's <c>Origin</c>, if any) is on the list; if so, the response gets
    /// its CORS headers. With named origins every response says <c>Vary: Origin</c>, admitted or not, so that a cache
    /// never hands one origin's answer to another.
    /// </summary>
    public bool TryAdmit(HttpContext context, string? origin)
    {
        // No origin allowed (the default): nothing to parse, nothing to add.
        if (!_any && _origins.Count == 0) return false;
        var headers = context.Response.Headers;
        if (_origins.Count > 0) headers.Append(HeaderNames.Vary, HeaderNames.Origin);
        string? allowed = origin is null ? null : _any ? Any : Serialize(origin) is { } serialized && _origins.Contains(serialized) ? serialized : null;
        if (allowed is null) return false;
        headers.AccessControlAllowOrigin = allowed;
        headers.AccessControlExposeHeaders = ExposedHeaders;
        return true;
    }

    /// <summary>Whether <paramref name="request"/> is a browser's CORS preflight rather than a call.</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod);

    /// <summary>Answers a preflight from an admitted origin: 204 with the methods, headers and how long to remember them.</summary>
    public static Task AnswerPreflightAsync(HttpContext context)
    {
        var requested = context.Request.Headers.AccessControlRequestHeaders.ToString()
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(IsToken);
        var headers = context.Response.Headers;
        headers.AccessControlAllowMethods = Methods;
        headers.AccessControlAllowHeaders = string.Join(", ", ReadHeaders.Union(requested, StringComparer.OrdinalIgnoreCase));
        headers.AccessControlMaxAge = MaxAgeSeconds;
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    // A header name (RFC 9110 token); anything else in Access-Control-Request-Headers is dropped, not echoed.
    private static bool IsToken(string name) => name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));
}
