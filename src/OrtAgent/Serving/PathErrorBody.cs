using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.Serving;

/// <summary>
/// Writes a refusal made before any endpoint ran (by middleware) in the error body the path's clients read: OpenAI's
/// envelope under <c>/v1</c> and on an OpenAI server's paths without an endpoint, which its SDKs parse; a JSON-RPC error without an id on <c>/mcp</c>, which the MCP
/// streamable-HTTP transport allows as the body of a refused POST; <see cref="ApiErrorBody"/> everywhere else.
/// </summary>
internal static class PathErrorBody
{
    // JSON-RPC leaves -32000 to -32099 to the server; the MCP SDKs answer their own transport refusals with -32000.
    private const int JsonRpcServerError = -32000;

    /// <summary>Answers <paramref name="statusCode"/> with <paramref name="message"/> and <paramref name="code"/>, the machine-readable kind (<c>error_type</c>; the envelope's <c>code</c> under <c>/v1</c>).</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, string code, string message)
    {
        var path = context.Request.Path;
        if (ReadsOpenAIEnvelope(context))
            return OpenAIErrorEnvelope.WriteAsync(context, new OpenAIApiException(statusCode, message, code: code,
                type: statusCode >= 500 ? "server_error" : "invalid_request_error"));
        if (path.StartsWithSegments(InferenceServer.McpPath))
        {
            context.Response.StatusCode = statusCode;
            return context.Response.WriteAsJsonAsync(
                new { jsonrpc = "2.0", id = (object?)null, error = new { code = JsonRpcServerError, message } },
                JsonSerializerOptions.Web, context.RequestAborted);
        }
        return ApiErrorBody.WriteAsync(context, statusCode, code, message);
    }

    /// <summary>
    /// Whether the request's client reads OpenAI's envelope: under <c>/v1</c>, and on an OpenAI server at any path
    /// without an endpoint outside <c>/mcp</c> (<see cref="MappedRoutes.IsOpenAIClientsPath"/>), so that a client
    /// configured without <c>/v1</c> reads its 401 as it reads its 404.
    /// </summary>
    /// <remarks>A middleware run outside a server (no services, so no routes to read) goes by the path alone.</remarks>
    public static bool ReadsOpenAIEnvelope(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/v1")
        || context.RequestServices?.GetService<MappedRoutes>() is { } routes && routes.IsOpenAIClientsPath(context.Request.Path);
}
