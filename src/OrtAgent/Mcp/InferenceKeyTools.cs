using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// What an inference key (<see cref="ServingOptions.InferenceApiKeys"/>) sees on <c>/mcp</c>: <c>tools/list</c> lists only
/// the tools that list models, classify and explain (the MCP twins of <c>GET /v1/models</c>, <c>/predict</c> and
/// <c>/explain</c>), and a call of any other tool is a tool error saying which key it needs. The scope is the current
/// HTTP request's (<see cref="InferenceKeyAccess.ScopeOf"/>), not the session's, so a session opened with a full key
/// gives nothing more to a request that presents an inference key. Over stdio there is no key, and every tool is offered.
/// </summary>
internal static class InferenceKeyTools
{
    /// <summary>The tools an inference key may list and call.</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { "list_models", "classify_text", "explain_text" };

    public static McpRequestHandler<ListToolsRequestParams, ListToolsResult> ListFilter(McpRequestHandler<ListToolsRequestParams, ListToolsResult> next) =>
        async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken).ConfigureAwait(false);
            var http = HttpContextOf(context.Services);
            // The list depends on the key where keys are configured: a client must not share it with another credential.
            if (http is not null && context.Services?.GetService<ServingOptions>() is { RequiresApiKey: true }) result.CacheScope = CacheScope.Private;
            if (ScopeOf(context.Services) == ApiKeyScope.Inference)
                result.Tools = [.. result.Tools.Where(tool => Names.Contains(tool.Name))];
            return result;
        };

    public static McpRequestHandler<CallToolRequestParams, CallToolResult> CallFilter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        (context, cancellationToken) =>
        {
            string name = context.Params?.Name ?? "";
            if (Names.Contains(name) || ScopeOf(context.Services) != ApiKeyScope.Inference)
                return next(context, cancellationToken);
            return ValueTask.FromResult(new CallToolResult
            {
                IsError = true,
                Content = [new TextContentBlock { Text = $"{name} needs a full API key, and this is an inference key, which may call only {string.Join(", ", Names)}" }],
            });
        };

    /// <summary>
    /// A session an inference key opens is told only of the tools it may call: the instructions named start_fine_tuning,
    /// which its agent would call and be refused. (<c>HttpServerTransportOptions.ConfigureSessionOptions</c>: the options
    /// are the session's own copy.)
    /// </summary>
    public static Task ConfigureSession(HttpContext http, McpServerOptions options, CancellationToken cancellationToken)
    {
        if (InferenceKeyAccess.ScopeOf(http, http.RequestServices.GetService<ServingOptions>() is { RequiresApiKey: true }) == ApiKeyScope.Inference)
            options.ServerInstructions = McpToolRegistration.Instructions(withFineTuning: false);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The transport settings the scope check stands on, set explicitly so a change of the SDK's defaults cannot undo
    /// it: a handler runs in the execution context of the request that carried its message, whose HttpContext holds
    /// that request's scope (per session, it would be the initializing request's: a session a full key opened would
    /// let an inference key's requests run as full); and no legacy SSE endpoints, whose message POSTs would reach
    /// handlers outside the routes marked for inference keys.
    /// </summary>
    public static void KeepScopePerRequest(ModelContextProtocol.AspNetCore.HttpServerTransportOptions transport)
    {
        // Obsolete only as settings to turn on; they are set here to their safe value, off.
#pragma warning disable MCP9006, MCP9004
        transport.PerSessionExecutionContext = false;
        transport.EnableLegacySse = false;
#pragma warning restore MCP9006, MCP9004
    }

    /// <summary>The tools the request's key may call, of <paramref name="tools"/>: all of them but for an inference key.</summary>
    public static IEnumerable<string> CallableOf(IEnumerable<string> tools, IServiceProvider? services) =>
        ScopeOf(services) == ApiKeyScope.Inference ? tools.Where(Names.Contains) : tools;

    /// <summary>The scope of the current request's key; where keys are configured, one not recorded is inference.</summary>
    private static ApiKeyScope ScopeOf(IServiceProvider? services) =>
        InferenceKeyAccess.ScopeOf(HttpContextOf(services), services?.GetService<ServingOptions>() is { RequiresApiKey: true });

    private static HttpContext? HttpContextOf(IServiceProvider? services) => services?.GetService<IHttpContextAccessor>()?.HttpContext;
}
