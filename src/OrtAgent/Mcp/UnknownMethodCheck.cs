using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OrtAgent.Mcp;

/// <summary>
/// Answers a request for a method MCP does not have (<c>bogus/method</c>) with JSON-RPC <c>-32601</c>, as the SDK
/// would, logged as one information line: past this filter the SDK logged it as two warnings, one with a stack trace,
/// though it is the client's mistake. Only names that are no MCP request method at all (<see cref="RequestMethods"/>,
/// read from the SDK in use) are answered here, so a method this SDK handles never is.
/// </summary>
internal static class UnknownMethodCheck
{
    private static readonly HashSet<string> McpMethods = typeof(RequestMethods)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    public static McpMessageHandler Create(McpMessageHandler next) =>
        (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is not JsonRpcRequest request || McpMethods.Contains(request.Method)) return next(context, cancellationToken);
            context.Services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(UnknownMethodCheck).FullName!)
                .LogInformation("A client called the unknown method {Method}", request.Method);
            throw new McpProtocolException($"Method '{request.Method}' is not available.", McpErrorCode.MethodNotFound);
        };
}
