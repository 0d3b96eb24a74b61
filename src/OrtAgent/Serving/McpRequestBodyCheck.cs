using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using OrtAgent.Mcp;

namespace OrtAgent.Serving;

/// <summary>
/// Middleware that refuses a <c>POST /mcp</c> body the MCP SDK would misread, with a 415 JSON-RPC error saying what to
/// send, as <c>/predict</c> refuses the same bodies: one without a Content-Type, or with one routing could not parse
/// (<c>???</c>), which the SDK's read threw on (a 500 and a stack trace in the log); one sent compressed, which it read
/// as it came; and one declared in a charset other than UTF-8, which it decoded as declared (UTF-8 bytes as UTF-16: a
/// 400 about a byte the client never sent). What passes is read as UTF-8, as every route reads its body. A body that is
/// not one JSON-RPC message the SDK reads is refused with the 400 the SDK answers it with, in the stdio server's words.
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

    private const string Subject = "the body of POST /mcp";

    internal static string BlankBodyMessage(bool empty) =>
        $"Invalid Request: {Subject} {(empty ? "is empty" : "holds only white space")}; it must hold one JSON-RPC message";

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
            if (await NotAMessageAsync(context).ConfigureAwait(false) is { } refusal)
            {
                await PathErrorBody.WriteJsonRpcAsync(context, StatusCodes.Status400BadRequest, refusal.Code,
                    refusal.Message, refusal.Id is { } id ? JsonSerializer.SerializeToElement(id) : null).ConfigureAwait(false);
                return;
            }
        }
        await next(context).ConfigureAwait(false);
    }

    /// <summary>
    /// Why the body is no JSON-RPC message the SDK reads, checked as the stdio server checks a line (<see cref="JsonRpcLineCheck"/>):
    /// the SDK answered such bodies with System.Text.Json's own words (<c>Expected start of a property name … LineNumber</c>,
    /// <c>could not be converted to ModelContextProtocol.Protocol.JsonRpcMessage</c>) and -32600 for every one, and a
    /// string of bytes that are not UTF-8 reached the tools as half a surrogate pair. The body is read into a buffer and
    /// rewound for the SDK; one over the size limit, or cut short, is left to the SDK's read, which meets the same.
    /// </summary>
    /// <remarks>
    /// A leading UTF-8 byte order mark, which Windows tools write, is skipped here as the SDK's read skips it (and
    /// <c>/predict</c>'s): it was refused as "'0xEF' is an invalid start of a value". A body that is empty or only white
    /// space is no message, where a stdio line of it is one the transport skips: it is refused in the check's words,
    /// where the SDK answered System.Text.Json's.
    /// </remarks>
    private static async Task<(int Code, string Message, object? Id)?> NotAMessageAsync(HttpContext context)
    {
        var request = context.Request;
        long? limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (request.ContentLength is { } length && limit is not null && length > limit) return null;
        request.EnableBuffering();
        try
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
            var message = JsonRpcLineCheck.WithoutByteOrderMark(new ReadOnlySequence<byte>(body.GetBuffer(), 0, (int)body.Length));
            if (JsonRpcLineCheck.IsBlank(message))
                return (JsonRpcLineCheck.InvalidRequest, BlankBodyMessage(message.IsEmpty), null);
            return JsonRpcLineCheck.Check(message) is { } refusal ? (refusal.Code, JsonRpcLineCheck.Answer(refusal, Subject), refusal.Id) : null;
        }
        catch (BadHttpRequestException)
        {
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
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
