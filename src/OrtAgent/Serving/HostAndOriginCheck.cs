using System.Net;
using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>
/// Middleware, ahead of routing and API keys, that refuses what a web page in a browser was led to send. Both servers
/// run it, on every path (<c>/health</c> included).
/// <list type="bullet">
/// <item>On a server whose every address is loopback (the default, <c>http://127.0.0.1:8080</c>), a Host that is not
/// a loopback name (<c>localhost</c>, a loopback IP such as <c>127.0.0.1</c> or <c>[::1]</c>, any port) is a 421:
/// through DNS rebinding, a page on <c>attacker.example</c> whose name was re-pointed at 127.0.0.1 reaches the server
/// as the same origin, and only its Host header still gives it away.</item>
/// <item>A request with an <c>Origin</c> header whose host and port are not the request's own Host is a 403: browsers
/// send Origin with cross-site POSTs, no-cors form posts and fetches included, so a page on another site cannot upload,
/// create or cancel. curl, the OpenAI SDKs and MCP clients send no Origin (or their own).</item>
/// </list>
/// On a non-loopback address the Host check is off: the server cannot know every name it is reached by (a DNS name,
/// a proxy's), and a page that rebinds a name to it gets no further than anyone on the network could by connecting
/// (which API keys are for). The Origin check stays on.
/// </summary>
/// <remarks>
/// Origins the operator allowed (<c>--allow-origin</c>, <see cref="ServingOptions.AllowedOrigins"/>) pass the Origin
/// check, on every path <c>/mcp</c> included, and get CORS headers; <see cref="CrossOriginPolicy"/> decides which and
/// answers their preflights, before API keys. The Host check comes first and does not bend for them: a page served
/// from an allowed origin still reaches a loopback server only through a loopback name.
/// </remarks>
internal sealed class HostAndOriginCheck
{
    private readonly RequestDelegate _next;
    private readonly bool _loopbackOnly;
    private readonly CrossOriginPolicy _crossOrigin;

    public HostAndOriginCheck(RequestDelegate next, ServingOptions options)
    {
        _next = next;
        _loopbackOnly = options.Urls.All(IsLoopback);
        _crossOrigin = new CrossOriginPolicy(options.AllowedOrigins);
    }

    /// <summary>
    /// Whether <paramref name="url"/> listens on a loopback address only: <c>localhost</c> or a loopback IP. A wildcard
    /// (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>), another host name (Kestrel listens on every interface for it) or a Unix
    /// socket is not.
    /// </summary>
    public static bool IsLoopback(string url) =>
        Parse(url) is { IsUnixPipe: false, IsNamedPipe: false } address && IsLoopbackHost(address.Host);

    /// <summary>Whether <paramref name="url"/> is a Unix socket (<c>http://unix:/path</c>), which file permissions guard, not the network.</summary>
    public static bool IsUnixSocket(string url) => Parse(url) is { IsUnixPipe: true };

    /// <summary>The address Kestrel binds for <paramref name="url"/>, or null for one it cannot bind (it refuses it at start).</summary>
    private static BindingAddress? Parse(string url)
    {
        try
        {
            return BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(host.TrimStart('[').TrimEnd(']'), out var ip) && IPAddress.IsLoopback(ip);

    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Host;
        // A request without Host (HTTP/1.0) was not sent by a browser, which always names the host it asked for.
        if (_loopbackOnly && host.HasValue && !IsLoopbackHost(host.Host))
            return PathErrorBody.WriteAsync(context, StatusCodes.Status421MisdirectedRequest, "invalid_host",
                $"Host {PrintableText.Quote(host.Value)} is not this server's: it listens on loopback only and answers requests for localhost, 127.0.0.1 or [::1]");
        string? origin = context.Request.Headers.Origin;
        if (_crossOrigin.TryAdmit(context, origin))
            return CrossOriginPolicy.IsPreflight(context.Request) ? CrossOriginPolicy.AnswerPreflightAsync(context) : _next(context);
        if (origin is not null && !IsOwnOrigin(origin, host))
            return PathErrorBody.WriteAsync(context, StatusCodes.Status403Forbidden, "cross_origin",
                $"Origin {PrintableText.Quote(origin)} is not this server ({PrintableText.Quote(host.Value ?? "")}): requests from web pages of other sites are refused; clients other than browsers send no Origin header");
        return _next(context);
    }

    /// <summary>
    /// Whether the page that sent the request was served by this host and port. Origin's scheme is not compared: behind
    /// a TLS proxy a page of this server is https while the server is http. "null" (a sandboxed or file page), several
    /// origins, or a Host without a port against an Origin on a port that is not its scheme's default are not.
    /// </summary>
    private static bool IsOwnOrigin(string origin, HostString host) =>
        host.HasValue
        && Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.Host.Equals(host.Host, StringComparison.OrdinalIgnoreCase)
        && (host.Port is { } port ? uri.Port == port : uri.IsDefaultPort);
}
