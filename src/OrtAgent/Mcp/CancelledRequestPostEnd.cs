using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OrtAgent.Mcp;

/// <summary>
/// Ends the POST that carried a request the client cancelled with <c>notifications/cancelled</c> (streamable HTTP).
/// The SDK sends nothing for a cancelled request, as MCP has it, but its POST waits for that request's answer before it
/// ends: the client's event stream stayed open until the session ended, and a stopping server waited its whole shutdown
/// timeout for it. Disposing the POST's transport (the message's <see cref="JsonRpcMessageContext.RelatedTransport"/>)
/// is what the SDK does itself once an answer is written; the POST then ends with the events it already sent. Over
/// stdio there is no such transport, and nothing is done.
/// </summary>
internal static class CancelledRequestPostEnd
{
    public static McpMessageHandler Create(McpMessageHandler next) =>
        async (context, cancellationToken) =>
        {
            try
            {
                await next(context, cancellationToken).ConfigureAwait(false);
            }
            // The SDK writes the answer with the request's token: cancelled, it throws here instead of writing.
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested
                && context.JsonRpcMessage is JsonRpcRequest { Context.RelatedTransport: { } post })
            {
                await post.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        };
}
