using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace OrtAgent.Serving;

/// <summary>
/// The ids of the MCP sessions the SDK's streamable HTTP transport holds open on <c>/mcp</c>, for
/// <see cref="McpSessionHeaderCheck"/> to answer a DELETE of one it does not hold: the SDK answered that 200 with
/// nothing ended, and MCP's transport has a server answer a session id it does not know (ended or never issued) with
/// 404. The SDK keeps its own list to itself; an id is listed here while the SDK runs its session, from its
/// <c>initialize</c> to its end (a DELETE, the SDK's idle limit, the server's stop).
/// </summary>
internal sealed class OpenMcpSessions
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    /// <summary>Whether the session <paramref name="id"/> names is open.</summary>
    public bool Contains(string id) => _ids.ContainsKey(id);

    /// <summary>Has the transport run each session through <see cref="RunAsync"/>, which lists it while it runs.</summary>
    public static void ListSessionsOf(HttpServerTransportOptions transport)
    {
        // Experimental (MCPEXP002) but the SDK's one hook around a session's life; McpHttpEndpointTests would see it go.
#pragma warning disable MCPEXP002
        transport.RunSessionHandler = RunAsync;
#pragma warning restore MCPEXP002
    }

    /// <summary>
    /// Runs a session as the SDK does without a handler, its id listed until the run ends: the SDK awaits the run when it
    /// ends a session, so a DELETE is answered after the id is gone. A session served per request (2026-07-28) has no id.
    /// </summary>
    private static async Task RunAsync(HttpContext initializing, McpServer server, CancellationToken sessionClosed)
    {
        // Resolved now: the initializing request's context may be gone once the session runs.
        var sessions = initializing.RequestServices.GetRequiredService<OpenMcpSessions>();
        if (server.SessionId is not { Length: > 0 } id)
        {
            await server.RunAsync(sessionClosed).ConfigureAwait(false);
            return;
        }
        sessions._ids[id] = 0;
        try
        {
            await server.RunAsync(sessionClosed).ConfigureAwait(false);
        }
        finally
        {
            sessions._ids.TryRemove(id, out _);
        }
    }
}
