using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace OrtAgent.Serving;

/// <summary>
/// Middleware that refuses a <c>POST /mcp</c> body the MCP SDK would misread, with a 415 JSON-RPC error saying what to
/// send, as <c>/predict</c> refuses the same bodies: one without a Content-Type, or with one routing could not parse
/// (<c>???</c>), which the SDK's read threw on (a 500 and a stack trace in the log); one sent compressed, which it read
/// as it came; and one declared in a charset other than UTF-8, which it decoded as declared (UTF-8 bytes as UTF-16: a
/// 400 about a byte the client never sent). What passes is read as UTF-8, as every route reads its body.
/// </summary>
/// <remarks>
/// A missing Content-Type is refused here where <c>/predict</c> reads it as JSON: every MCP client sends
/// <c>application/json</c>, the SDK's endpoint declares it as the one type it takes, and a request without one is a
/// CORS "simple request", which a web page may send across origins without a preflight.
/// </remarks>
internal sealed class McpRequestBodyCheck(RequestDelegate next)
{
    internal const string NoContentTypeMessage =
        "POST /mcp takes one JSON-RPC message sent with Content-Type: application/json; this request has no Content-Type";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments(InferenceServer.McpPath, out var rest) && (!rest.HasValue || rest.Value == "/"))
        {
            if (Problem(request) is { } problem)
            {
                await PathErrorBody.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "validation", problem).ConfigureAwait(false);
                return;
            }
            ReadAsUtf8(request);
        }
        await next(context).ConfigureAwait(false);
    }

    private static string? Problem(HttpRequest request) =>
        string.IsNullOrWhiteSpace(request.ContentType) ? NoContentTypeMessage
        : !request.HasJsonContentType() ? EmptyErrorBodies.NotJsonType(request)
        : ContentEncodingCheck.Problem(request) ?? ContentCharsetCheck.Problem(request);

    /// <summary>
    /// Drops a charset the check let through (UTF-8 by any spelling, US-ASCII, or empty): the SDK decodes the body by the
    /// charset's name, and names .NET does not know (<c>utf8</c>, <c>"UTF-8"</c> quoted, an empty one) threw a 500.
    /// </summary>
    private static void ReadAsUtf8(HttpRequest request)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && type.Parameters.Any(parameter => parameter.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)))
            request.ContentType = type.MediaType.ToString();
    }
}
