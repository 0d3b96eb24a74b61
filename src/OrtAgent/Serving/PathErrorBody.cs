using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.Serving;

/// <summary>
/// Writes a refusal made before any endpoint ran (by middleware) in the error body the path's clients read: OpenAI's
/// envelope under <c>/v1</c> and on an OpenAI server's paths without an endpoint, which its SDKs parse; a JSON-RPC error
/// without an id on <c>/mcp</c>, which the MCP streamable-HTTP transport allows as the body of a refused POST;
/// <see cref="ApiErrorBody"/> everywhere else.
/// </summary>
internal static class PathErrorBody
{
    // JSON-RPC leaves -32000 to -32099 to the server; the MCP SDKs answer their own transport refusals with -32000.
    private const int JsonRpcServerError = -32000;

    /// <summary>Answers <paramref name="statusCode"/> with <paramref name="message"/> and <paramref name="code"/>, the machine-readable kind (<c>error_type</c>; the envelope's <c>code</c> under <c>/v1</c>).</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, string code, string message) =>
        WriteAsync(context, ShapeFor(context), statusCode, code, message);

    /// <summary>As the other overload, in <paramref name="shape"/>, which a caller wording its refusal by it has already asked <see cref="ShapeFor"/>.</summary>
    public static Task WriteAsync(HttpContext context, ErrorBodyShape shape, int statusCode, string code, string message)
    {
        switch (shape)
        {
            case ErrorBodyShape.OpenAIEnvelope:
                return OpenAIErrorEnvelope.WriteAsync(context, new OpenAIApiException(statusCode, message, code: code,
                    type: statusCode >= 500 ? "server_error" : "invalid_request_error"));
            case ErrorBodyShape.JsonRpc:
                return WriteJsonRpcAsync(context, statusCode, JsonRpcServerError, message);
            default:
                return ApiErrorBody.WriteAsync(context, statusCode, code, message);
        }
    }

    /// <summary>
    /// Answers a <c>/mcp</c> request with <paramref name="statusCode"/> and a JSON-RPC error of <paramref name="jsonRpcCode"/>
    /// (one MCP defines, where it has one for the refusal), echoing <paramref name="id"/>, the id of the request refused
    /// when it was read, as JSON-RPC answers a request it could read.
    /// </summary>
    public static Task WriteJsonRpcAsync(HttpContext context, int statusCode, int jsonRpcCode, string message, JsonElement? id = null)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(
            new { jsonrpc = "2.0", id, error = new { code = jsonRpcCode, message } },
            JsonSerializerOptions.Web, context.RequestAborted);
    }

    /// <summary>
    /// The body the request's client reads: OpenAI's envelope under <c>/v1</c>, and on an OpenAI server at any path
    /// without an endpoint outside <c>/mcp</c> (<see cref="MappedRoutes.IsOpenAIClientsPath"/>), so that a client
    /// configured without <c>/v1</c> reads its 401 as it reads its 404; a JSON-RPC error on <c>/mcp</c>; serve's body
    /// elsewhere. Asked once per refusal: the answer for a path outside <c>/v1</c> and <c>/mcp</c> matches it against the
    /// server's routes.
    /// </summary>
    /// <remarks>A middleware run outside a server (no services, so no routes to read) goes by the path alone.</remarks>
    public static ErrorBodyShape ShapeFor(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/v1")) return ErrorBodyShape.OpenAIEnvelope;
        if (path.StartsWithSegments(InferenceServer.McpPath)) return ErrorBodyShape.JsonRpc;
        return context.RequestServices?.GetService<MappedRoutes>() is { } routes && routes.IsOpenAIClientsPath(path)
            ? ErrorBodyShape.OpenAIEnvelope : ErrorBodyShape.Serve;
    }
}
