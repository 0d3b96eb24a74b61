using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// Reads the params of the requests the SDK answers itself (<c>initialize</c>, <c>tools/list</c>,
/// <c>logging/setLevel</c>) as the SDK will, before it does. Params it could not read (a number, a level MCP does not
/// define, a cursor that is no string, a missing required field) failed inside its handler, which the client saw as
/// <c>-32603 An error occurred.</c> and the log as a warning with a stack trace, though the mistake is the client's;
/// each is now <c>-32602</c> (invalid params) naming the method and the field. <c>tools/call</c> has its own check,
/// <see cref="ToolCallParamsCheck"/>.
/// </summary>
internal static class RequestParamsCheck
{
    // The SDK's own types and serializer options, so that nothing it would take is refused here.
    private static readonly Dictionary<string, Type> ParamsTypes = new(StringComparer.Ordinal)
    {
        [RequestMethods.Initialize] = typeof(InitializeRequestParams),
        [RequestMethods.ToolsList] = typeof(ListToolsRequestParams),
        // Deprecated from revision 2026-07-28 on, and still answered by the SDK to clients of earlier revisions.
#pragma warning disable MCP9005
        [RequestMethods.LoggingSetLevel] = typeof(SetLevelRequestParams),
    };

    private static readonly string LoggingLevels =
        string.Join(", ", Enum.GetValues<LoggingLevel>().Select(l => JsonSerializer.Serialize(l, McpJsonUtilities.DefaultOptions)));
#pragma warning restore MCP9005

    public static McpMessageHandler Create(McpMessageHandler next) =>
        (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcRequest request && ParamsTypes.TryGetValue(request.Method, out var type)
                && Problem(request.Params, type) is { } problem)
                throw new McpProtocolException($"{request.Method}: {problem}", McpErrorCode.InvalidParams);
            return next(context, cancellationToken);
        };

    /// <summary>What is wrong with <paramref name="parameters"/> as the SDK reads them into <paramref name="type"/>, or null.</summary>
    internal static string? Problem(JsonNode? parameters, Type type)
    {
        // No params at all is the SDK's to judge: it answers some methods without any.
        if (parameters is null) return null;
        if (parameters is not JsonObject) return $"params must be an object, not {PredictRequestReader.Describe(parameters.GetValueKind())}";
        try
        {
            JsonSerializer.Deserialize(parameters, McpJsonUtilities.DefaultOptions.GetTypeInfo(type));
            return null;
        }
        catch (JsonException ex)
        {
            return Describe(ex);
        }
    }

    /// <summary>
    /// What the SDK's reader of a method's params found wrong, in the client's terms rather than the SDK's type names:
    /// here, and where <c>/mcp</c>'s HTTP transport reads an <c>initialize</c>'s params before any filter.
    /// </summary>
    internal static string Describe(JsonException ex) =>
        Field(ex) is { } field ? $"{field} is not a value of the kind MCP defines for it{Values(field)}" : MissingFields(ex);

    // "$.level" → "params.level"; null where the reader stopped at the params themselves (a required field missing).
    private static string? Field(JsonException ex) =>
        ex.Path is { Length: > 1 } path && path.StartsWith('$') ? "params" + path[1..] : null;

    private static string Values(string field) => field == "params.level" ? $" (one of {LoggingLevels})" : "";

    // System.Text.Json names the missing properties in its message ("…missing required properties including: 'level'.").
    private static string MissingFields(JsonException ex)
    {
        const string Including = "including: ";
        int at = ex.Message.IndexOf(Including, StringComparison.Ordinal);
        return at < 0
            ? "params are not an object of the fields the method takes"
            : $"params lack {ex.Message[(at + Including.Length)..].TrimEnd('.')}, which the method requires";
    }
}
