using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Logging;

namespace OrtAgent.Serving;

/// <summary>
/// Outermost middleware: gives every request an id, sent back in <c>x-request-id</c> on every answer, refusals included,
/// counts every request by endpoint and status, times it, and logs one line with method, path, status, duration and
/// that id. It never logs bodies, query strings or headers, so texts and API keys stay out of the logs.
/// </summary>
internal sealed class RequestTelemetry
{
    private readonly RequestDelegate _next;
    private readonly ServingMetrics _metrics;
    private readonly ILogger _logger;
    private List<(string Route, TemplateMatcher Matcher)>? _routes;

    /// <summary>
    /// The response header naming a request, as OpenAI's API sends it: its .NET and Node libraries show it with an
    /// error, so a user can quote it and the operator find the request's log line.
    /// </summary>
    public const string RequestIdHeader = "x-request-id";

    /// <summary>A new request id in OpenAI's form: <c>req_</c> and 32 lowercase hex digits (a random GUID's 128 bits).</summary>
    internal static string NewRequestId() => "req_" + Guid.NewGuid().ToString("N");

    public RequestTelemetry(RequestDelegate next, ServingMetrics metrics, ILogger<RequestTelemetry> logger)
    {
        _next = next;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// A route's pattern as the metrics name it, without a trailing slash: the MCP SDK maps its routes in a group with
    /// empty patterns, which read <c>/mcp/</c> where the path is <c>/mcp</c>.
    /// </summary>
    private static string Label(string pattern) => pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;

    /// <summary>
    /// The mapped route a request's path falls under when routing chose no route endpoint for it: a method the route
    /// does not take (a 405) is a request to that endpoint, not to an unknown path.
    /// </summary>
    private string? RouteOfPath(HttpContext context)
    {
        _routes ??= context.RequestServices.GetService(typeof(EndpointDataSource)) is EndpointDataSource source
            ? source.Endpoints.OfType<RouteEndpoint>()
                .Select(e => e.RoutePattern.RawText)
                .OfType<string>()
                .Distinct()
                .Select(raw => (raw, Matcher: MatcherFor(raw)))
                .Where(r => r.Matcher is not null)
                .Select(r => (r.raw, r.Matcher!))
                .ToList()
            : [];
        var path = context.Request.Path;
        foreach (var (raw, matcher) in _routes)
            if (matcher.TryMatch(path, new RouteValueDictionary())) return raw;
        return null;
    }

    /// <summary>A matcher for the route, or null for a pattern the template parser does not read (it then labels nothing).</summary>
    private static TemplateMatcher? MatcherFor(string route)
    {
        try
        {
            return new TemplateMatcher(TemplateParser.Parse(route), new RouteValueDictionary());
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The path as it may stand in a log line: decoded, it holds whatever the client escaped (%0D, %1B), and a CR or
    /// an ESC sequence would forge a line or rewrite the terminal. Control characters, invisible formatting (bidi
    /// overrides) and line separators are written as <c>\xNN</c> or <c>\uNNNN</c>, and a backslash as <c>\\</c>, so
    /// an escape in the log is never the client's text.
    /// </summary>
    internal static string Escaped(string path)
    {
        if (!path.Any(c => c == '\\' || IsUnprintable(c))) return path;
        var text = new StringBuilder(path.Length + 16);
        foreach (char c in path)
        {
            if (c == '\\') text.Append(@"\\");
            else if (!IsUnprintable(c)) text.Append(c);
            else if (c <= '\xFF') text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            else text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }
        return text.ToString();
    }

    private static bool IsUnprintable(char c) => char.GetUnicodeCategory(c)
        is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    public async Task InvokeAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        bool completed = false;
        string requestId = NewRequestId();
        // Set as the answer starts, not now: whatever clears the headers before then (an error answer) would drop it.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[RequestIdHeader] = requestId;
            return Task.CompletedTask;
        });
        try
        {
            await _next(context);
            completed = true;
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // A fault no handler answered. Left to Kestrel, its 500 would clear the headers and skip OnStarting, so the
            // one answer a user most needs to quote would carry no id; answered here, it has the id and the path's body.
            _logger.LogError(ex, "{Method} {Path} failed {RequestId}", context.Request.Method, Escaped(context.Request.Path.Value ?? ""), requestId);
            context.Response.Clear();
            await PathErrorBody.WriteAsync(context, StatusCodes.Status500InternalServerError, "server_error",
                $"the server failed to answer this request; quote {requestId} when reporting it").ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            // The route pattern, not the raw path, labels the metrics: unknown paths must not create new series.
            string endpoint = Label((context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? RouteOfPath(context) ?? "unmatched");
            // 499 (nginx's "client closed request") for callers that left; 500 for what escaped to Kestrel.
            int status = completed || context.Response.HasStarted ? context.Response.StatusCode
                : context.RequestAborted.IsCancellationRequested ? 499
                : StatusCodes.Status500InternalServerError;
            _metrics.Requests.WithLabels(endpoint, status.ToString(CultureInfo.InvariantCulture)).Inc();
            _metrics.RequestDuration.WithLabels(endpoint).Observe(elapsed.TotalSeconds);
            _logger.LogInformation("{Method} {Path} {StatusCode} {ElapsedMs:0.00} ms {RequestId}",
                context.Request.Method, Escaped(context.Request.Path.Value ?? ""), status, elapsed.TotalMilliseconds, requestId);
        }
    }
}
