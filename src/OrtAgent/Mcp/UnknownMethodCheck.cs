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
/// read from the SDK in use) are answered here, so a method this SDK handles never is; and so are MCP methods this
/// server offers nothing for (see <see cref="Offers"/>): <c>resources/list</c>, <c>prompts/list</c> and
/// <c>completion/complete</c>, which agent hosts call on every connect whatever the capabilities say, made two
/// warnings with a stack trace each, six a connection, on a server that only has tools.
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
            if (context.JsonRpcMessage is not JsonRpcRequest request) return next(context, cancellationToken);
            bool known = McpMethods.Contains(request.Method);
            if (known && Offers(context.Server.ServerOptions, request.Method)) return next(context, cancellationToken);
            var log = context.Services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(UnknownMethodCheck).FullName!);
            if (known) log?.LogInformation("A client called {Method}, which this server does not offer", request.Method);
            else log?.LogInformation("A client called the unknown method {Method}", request.Method);
            throw new McpProtocolException($"Method '{request.Method}' is not available.", McpErrorCode.MethodNotFound);
        };

    /// <summary>
    /// Whether the SDK would find a handler for <paramref name="method"/>, an MCP request method: a prompt or resource
    /// method only where prompts or resources are registered, completion only with its handler; every other method
    /// (tools, ping, logging, initialize) is left to the SDK.
    /// </summary>
    private static bool Offers(McpServerOptions options, string method)
    {
        var handlers = options.Handlers;
        return method switch
        {
            RequestMethods.PromptsList or RequestMethods.PromptsGet =>
                options.PromptCollection is { IsEmpty: false } || handlers.ListPromptsHandler is not null || handlers.GetPromptHandler is not null,
            RequestMethods.ResourcesList or RequestMethods.ResourcesRead or RequestMethods.ResourcesTemplatesList
                or RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe =>
                options.ResourceCollection is { IsEmpty: false } || handlers.ListResourcesHandler is not null || handlers.ReadResourceHandler is not null
                    || handlers.ListResourceTemplatesHandler is not null || handlers.SubscribeToResourcesHandler is not null || handlers.UnsubscribeFromResourcesHandler is not null,
            RequestMethods.CompletionComplete => handlers.CompleteHandler is not null,
            _ => true,
        };
    }
}
