using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace OrtAgent.Serving;

/// <summary>
/// Middleware that answers a <c>GET /mcp</c> without an <c>Mcp-Session-Id</c> header (<c>curl</c>, a browser, a client
/// that skipped <c>initialize</c>), and a POST of a message other than <c>initialize</c> without one (a client whose
/// session it ended itself, with DELETE, or that never opened one), with what a caller must send, where the MCP SDK's
/// 400 advised the server's developer to switch its session mode. Same status and JSON-RPC error shape; so is a DELETE
/// without one, which the SDK answered 200 with nothing ended (MCP's Streamable HTTP transport: a server that requires
/// a session answers a request without its header, initialize aside, with 400). A DELETE whose header names a session
/// that is not open (<see cref="OpenMcpSessions"/>: ended, or never issued), which the SDK answered 200 as if it had
/// ended one, is a 404 as MCP's transport has it, saying to open a new session; the SDK answers a GET or POST naming
/// such a session with 404 itself. A POST whose <c>_meta</c> names a revision (2026-07-28) its MCP-Protocol-Version
/// header does not name, or without that header, which the SDK took for a session's and answered with its advice to
/// the server's developer, is the 400 HeaderMismatch MCP 2026-07-28 has for it, saying what to send. Any other request
/// on <c>/mcp</c> goes on to the SDK.
/// </summary>
internal sealed class McpSessionHeaderCheck(RequestDelegate next, OpenMcpSessions sessions)
{
    private const string SessionHeader = "Mcp-Session-Id";
    private const string VersionHeader = "MCP-Protocol-Version";

    // The revisions with sessions, whose GET the SDK refuses for want of one (as ModelContextProtocol 2.4's internal
    // McpProtocolVersions lists them). It answers other versions itself: 2026-07-28, which has no GET, with a 405 saying
    // to POST instead; one it does not support, with the versions it does.
    private static readonly string[] SessionProtocolVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    internal const string Message =
        "GET /mcp streams a session's messages and needs its Mcp-Session-Id header: POST /mcp an initialize request first, then send the Mcp-Session-Id header its answer carries (clients on MCP 2026-07-28, which has no sessions, POST every request and never GET)";

    internal const string PostMessage =
        "POST /mcp without an Mcp-Session-Id header must be an initialize request, which opens a session; every other message carries the Mcp-Session-Id header its answer gave "
        + "(a session ended with DELETE needs a new initialize; clients on MCP 2026-07-28, which has no sessions, send the header MCP-Protocol-Version: 2026-07-28 with each request instead)";

    internal const string DeleteMessage =
        "DELETE /mcp ends the session its Mcp-Session-Id header names, and this request has none: send the Mcp-Session-Id header the session's initialize answer carried "
        + "(clients on MCP 2026-07-28, which has no sessions, have none to end)";

    internal const string EndedSessionMessage =
        "DELETE /mcp: no session of this server has the id in the Mcp-Session-Id header (it ended, by an earlier DELETE, idle expiry or a restart of the server, or was never issued), so there is none to end; "
        + "to go on, POST /mcp an initialize request without that header to open a new session";

    // What the MCP SDK answers a GET or POST naming a session it does not hold with (the TypeScript SDK's code too).
    private const int SessionNotFound = -32001;

    // The methods that open a conversation without a session: the older revisions' initialize, and 2026-07-28's discovery.
    private static readonly string[] OpeningMethods = ["initialize", "server/discover"];

    // Where a 2026-07-28 request names its revision, which its MCP-Protocol-Version header must name too.
    private const string MetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";

    // MCP's HeaderMismatch: a header missing, or not matching the body, on 2026-07-28.
    private const int HeaderMismatch = -32020;

    internal static string VersionHeaderMessage(string metaVersion, string? headerVersion) =>
        $"POST /mcp: this request names MCP {metaVersion} in params._meta, and "
        + (headerVersion is null ? "has no MCP-Protocol-Version header" : $"its MCP-Protocol-Version header says {headerVersion}")
        + $"; send the header MCP-Protocol-Version: {metaVersion} with each request, matching _meta (MCP 2026-07-28 requires it, with Mcp-Method, and Mcp-Name on tools/call)";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.Equals(InferenceServer.McpPath, StringComparison.OrdinalIgnoreCase)
            || (request.Headers.TryGetValue(VersionHeader, out var version) && !SessionProtocolVersions.Contains(version.ToString())))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        // An empty header names no session, as the SDK reads it.
        string session = request.Headers[SessionHeader].ToString();
        if (session.Length > 0)
        {
            if (HttpMethods.IsDelete(request.Method) && !sessions.Contains(session))
                await PathErrorBody.WriteJsonRpcAsync(context, StatusCodes.Status404NotFound, SessionNotFound, EndedSessionMessage).ConfigureAwait(false);
            else
                await next(context).ConfigureAwait(false);
            return;
        }
        if (HttpMethods.IsGet(request.Method))
            await PathErrorBody.WriteAsync(context, StatusCodes.Status400BadRequest, "missing_session", Message).ConfigureAwait(false);
        else if (HttpMethods.IsPost(request.Method) && await ReadPostAsync(context).ConfigureAwait(false) is { } post)
        {
            if (post.VersionInMetaOnly is { } meta)
                await PathErrorBody.WriteJsonRpcAsync(context, StatusCodes.Status400BadRequest, HeaderMismatch,
                    VersionHeaderMessage(meta, version.Count > 0 ? version.ToString() : null), post.Id).ConfigureAwait(false);
            else
                await PathErrorBody.WriteAsync(context, StatusCodes.Status400BadRequest, "missing_session", PostMessage).ConfigureAwait(false);
        }
        else if (HttpMethods.IsDelete(request.Method))
            await PathErrorBody.WriteAsync(context, StatusCodes.Status400BadRequest, "missing_session", DeleteMessage).ConfigureAwait(false);
        else
            await next(context).ConfigureAwait(false);
    }

    /// <summary>A POST without a session that is refused here, and why.</summary>
    /// <param name="VersionInMetaOnly">
    /// The revision its <c>_meta</c> names where the MCP-Protocol-Version header names none or another; null when it
    /// needs a session.
    /// </param>
    /// <param name="Id">The request's id, to answer with; null for a notification or response.</param>
    private sealed record RefusedPost(string? VersionInMetaOnly, JsonElement? Id);

    /// <summary>
    /// Reads the POST's body for a JSON-RPC request, notification or response to refuse: one whose <c>_meta</c> names a
    /// revision its MCP-Protocol-Version header does not (<c>initialize</c> aside), and any other that needs a session (all
    /// but the opening methods). The body is read into a buffer and rewound for the SDK; one without a
    /// Content-Length, or over the size limit, is left unread for the SDK (and the size check after it) to answer, as is
    /// one not sent as JSON and anything that is not such a message.
    /// </summary>
    private static async Task<RefusedPost?> ReadPostAsync(HttpContext context)
    {
        var request = context.Request;
        long? limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (request.ContentLength is not { } length || (limit is not null && length > limit)) return null;
        // A body not sent as JSON was refused before (McpRequestBodyCheck), whatever it holds.
        if (!request.HasJsonContentType()) return null;
        request.EnableBuffering();
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            var message = body.RootElement;
            if (message.ValueKind != JsonValueKind.Object) return null;
            // A response (to a request of the server's) needs its session as a request does; the SDK's 400 for one
            // without advised the server's developer.
            if (!message.TryGetProperty("method", out var method))
                return message.TryGetProperty("id", out _) && (message.TryGetProperty("result", out _) || message.TryGetProperty("error", out _))
                    ? new RefusedPost(null, null) : null;
            if (method.ValueKind != JsonValueKind.String) return null;
            string? name = method.GetString();
            JsonElement? id = message.TryGetProperty("id", out var given) && given.ValueKind is JsonValueKind.String or JsonValueKind.Number ? given.Clone() : null;
            string? metaVersion = message.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object
                && meta.TryGetProperty(MetaProtocolVersion, out var named) && named.ValueKind == JsonValueKind.String ? named.GetString() : null;
            string? headerVersion = request.Headers.TryGetValue(VersionHeader, out var header) ? header.ToString() : null;
            // MCP 2026-07-28 (Streamable HTTP, Protocol Version Header): every POST carries the header, matching _meta,
            // or is a 400 HeaderMismatch. Without it the SDK took the request for a session's and advised its developer.
            if (metaVersion is not null && metaVersion != headerVersion && name != "initialize")
                return new RefusedPost(metaVersion, id);
            return !OpeningMethods.Contains(name, StringComparer.Ordinal) ? new RefusedPost(null, null) : null;
        }
        catch (JsonException)
        {
            // Not JSON: the SDK's own 400 says so.
            return null;
        }
        catch (InvalidOperationException)
        {
            // A method holding half a surrogate pair (GetString refuses it): the SDK's own 400 says the message is not one.
            return null;
        }
        catch (BadHttpRequestException)
        {
            // A body that cannot be read (cut short): the SDK meets the same and EmptyErrorBodies answers it.
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }
}
