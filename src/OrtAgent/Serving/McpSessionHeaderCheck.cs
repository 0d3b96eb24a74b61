using Microsoft.AspNetCore.Http;

namespace OrtAgent.Serving;

/// <summary>
/// Middleware that answers a <c>GET /mcp</c> without an <c>Mcp-Session-Id</c> header (<c>curl</c>, a browser, a client
/// that skipped <c>initialize</c>) with what a caller must send, where the MCP SDK's 400 advised the server's developer
/// to switch its session mode. Same status and JSON-RPC error shape; any other request on <c>/mcp</c> goes on to the SDK.
/// </summary>
internal sealed class McpSessionHeaderCheck(RequestDelegate next)
{
    private const string SessionHeader = "Mcp-Session-Id";
    private const string VersionHeader = "MCP-Protocol-Version";

    // The revisions with sessions, whose GET the SDK refuses for want of one (as ModelContextProtocol 2.4's internal
    // McpProtocolVersions lists them). It answers other versions itself: 2026-07-28, which has no GET, with a 405 saying
    // to POST instead; one it does not support, with the versions it does.
    private static readonly string[] SessionProtocolVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    internal const string Message =
        "GET /mcp streams a session's messages and needs its Mcp-Session-Id header: POST /mcp an initialize request first, then send the Mcp-Session-Id header its answer carries (clients on MCP 2026-07-28, which has no sessions, POST every request and never GET)";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method)
            || !request.Path.Equals(InferenceServer.McpPath, StringComparison.OrdinalIgnoreCase)
            || request.Headers.ContainsKey(SessionHeader)
            || (request.Headers.TryGetValue(VersionHeader, out var version) && !SessionProtocolVersions.Contains(version.ToString())))
            return next(context);
        return PathErrorBody.WriteAsync(context, StatusCodes.Status400BadRequest, "missing_session", Message);
    }
}
