using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.Serving;

/// <summary>
/// Writes a refusal made before any endpoint ran (by middleware) in the error body the path's clients read: OpenAI's
/// envelope under <c>/v1</c>, which its SDKs parse; a JSON-RPC error without an id on <c>/mcp</c>, which the MCP
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
        if (path.StartsWithSegments("/v1"))
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
}
