using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrtAgent.Data;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// Checks a <c>tools/call</c> request's params before the SDK converts them: params that are not an object, a
/// <c>name</c> that is not a string, <c>arguments</c> that are not an object, or text holding half a surrogate pair
/// (<c>"\ud800"</c> alone) failed inside that conversion, which the client saw as <c>-32603 An error occurred.</c>; each
/// is now <c>-32602</c> (invalid params) naming the field. <see cref="ToolCallGuard"/> checks the arguments against the
/// tool once they are converted. A tool name the server does not have is <c>-32602 Unknown tool</c> here too, logged as
/// one information line: past this filter the SDK logs it as a tool that "threw an unhandled exception", with a stack
/// trace, twice, though it is the client's mistake.
/// </summary>
internal static class ToolCallParamsCheck
{
    public static McpMessageHandler Create(McpMessageHandler next) =>
        (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is not JsonRpcRequest { Method: RequestMethods.ToolsCall } request) return next(context, cancellationToken);
            if (Problem(request.Params) is { } problem) throw new McpProtocolException($"tools/call: {problem}", McpErrorCode.InvalidParams);
            string name = request.Params!["name"]!.GetValue<string>();
            if (context.Server.ServerOptions.ToolCollection is { } tools && !tools.TryGetPrimitive(name, out _))
            {
                context.Services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(ToolCallParamsCheck).FullName!)
                    .LogInformation("A client called the unknown tool {Tool}", name);
                // The names the caller's key may call: an inference key is not told of the tools it was not listed.
                var callable = InferenceKeyTools.CallableOf(tools.Select(t => t.ProtocolTool.Name), context.Services).Order(StringComparer.Ordinal);
                throw new McpProtocolException($"Unknown tool: '{name}'; the tools are: {string.Join(", ", callable)}", McpErrorCode.InvalidParams);
            }
            return next(context, cancellationToken);
        };

    /// <summary>What is wrong with a <c>tools/call</c> request's params, or null when the SDK can convert them.</summary>
    internal static string? Problem(JsonNode? parameters)
    {
        if (parameters is not JsonObject request) return $"params must be an object holding the tool's name and arguments, not {KindOf(parameters)}";
        var name = request["name"];
        if (!request.ContainsKey("name")) return "params.name is missing; it names the tool to call";
        if (name is null || name.GetValueKind() != JsonValueKind.String) return $"params.name must be a string naming the tool, not {KindOf(name)}";
        if (JsonText.HoldsInvalidText(name)) return Unicode("params.name");
        var arguments = request["arguments"];
        if (arguments is null) return null;
        if (arguments is not JsonObject byName) return $"params.arguments must be an object of the tool's arguments by name, not {KindOf(arguments)}";
        foreach (var (argument, value) in byName)
        {
            if (!JsonText.IsWellFormed(argument)) return Unicode("an argument's name");
            if (JsonText.HoldsInvalidText(value)) return Unicode($"argument '{argument}'");
        }
        return null;
    }

    private static string Unicode(string what) =>
        $"{what} holds half a surrogate pair (such as \\ud800 alone), which is not text; send whole characters";

    // Named as serve's request readers and the tools' argument checks name a JSON kind.
    private static string KindOf(JsonNode? node) => node is null ? "null" : PredictRequestReader.Describe(node.GetValueKind());
}
