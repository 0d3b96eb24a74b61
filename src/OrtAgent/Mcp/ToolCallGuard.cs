using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrtAgent.Serving;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Mcp;

/// <summary>
/// Wraps every tool call. Before the tool runs it checks the arguments against the tool's input schema: a required
/// argument missing, an argument the tool does not take, one of the wrong JSON kind (a whole number written <c>3.0</c>
/// is an integer, as JSON Schema has it, and is passed on as <c>3</c>), or a number outside the range its
/// schema gives (<see cref="ArgumentRange"/>) becomes a tool error naming the argument and what it should be (the SDK's
/// binder would fail with a message it hides from the client). After, an <see cref="McpException"/> from the tool becomes
/// the error result itself, logged as one information line: a client's mistake is not a server failure, and the SDK
/// would log it as one, stack trace and all. A result's text block, which most hosts hand the model, is rewritten with
/// its characters as they are (<see cref="ToolResultText"/>).
/// </summary>
internal static class ToolCallGuard
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Create(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            var tool = context.MatchedPrimitive as McpServerTool;
            if (tool is null && context.Server.ServerOptions.ToolCollection is { } tools) tools.TryGetPrimitive(context.Params?.Name ?? "", out tool);
            var hangUp = HangUp(context.Services);
            using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hangUp);
            try
            {
                if (tool is not null) Check(tool.ProtocolTool, context.Params?.Arguments ?? new Dictionary<string, JsonElement>());
                return Readable(await next(context, call.Token).ConfigureAwait(false));
            }
            catch (McpException ex) when (ex is not McpProtocolException)
            {
                Logger(context.Services)?.LogInformation("{Tool} refused a call: {Reason}", context.Params?.Name, ex.Message);
                return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = ex.Message }] };
            }
            catch (OperationCanceledException) when (call.IsCancellationRequested)
            {
                // The server stopping (Ctrl+C), the client cancelling or hanging up, during a long explanation: expected, not
                // a failure, and rethrown the SDK would log it as a warning with the whole stack trace.
                Logger(context.Services)?.LogInformation("{Tool} was cancelled before it finished: {Reason}", context.Params?.Name,
                    hangUp.IsCancellationRequested ? "the client hung up" : "the client cancelled it, or the server is stopping");
                return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "the call was cancelled: the server is stopping, or the client cancelled it" }] };
            }
            catch (Exception ex) when (FineTuningService.Store.StorageFull.Is(ex))
            {
                // Said as the fine-tuning API says it (507 there), not as the SDK's "an error occurred"; logged in full.
                Logger(context.Services)?.LogError(ex, "{Tool} failed: the disk is full", context.Params?.Name);
                return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = FineTuningService.Store.StoredFiles.DiskFullMessage }] };
            }
        };

    /// <summary>The result with its text block rewritten by <see cref="ToolResultText"/>, when the block is the structured content's JSON.</summary>
    private static CallToolResult Readable(CallToolResult result)
    {
        if (result.IsError is true || result.StructuredContent is null || result.Content is not [TextContentBlock { Text: var json } block]) return result;
        try
        {
            using var document = JsonDocument.Parse(json);
            block.Text = ToolResultText.Readable(document.RootElement);
        }
        catch (JsonException)
        {
            // Not JSON after all (a tool that words its own text): left as the tool wrote it.
        }
        return result;
    }

    /// <summary>
    /// Cancelled when the client hangs up the HTTP request that carries the call; never over stdio, which has no request.
    /// In a session (2025-11-25 and older) the SDK cancels a call on <c>notifications/cancelled</c> only, and a hung-up
    /// POST only stops the writing of its answer; yet the SDK's own client, cancelled while it reads that answer, aborts
    /// the POST and sends no notification. Unlinked, an explanation kept its place in the queue, and ran, to the end.
    /// No event store is configured, so an answer whose POST is gone could never be read.
    /// </summary>
    private static CancellationToken HangUp(IServiceProvider? services) =>
        services?.GetService<IHttpContextAccessor>()?.HttpContext?.RequestAborted ?? CancellationToken.None;

    private static ILogger? Logger(IServiceProvider? services) =>
        services?.GetService<ILoggerFactory>()?.CreateLogger(typeof(ToolCallGuard).FullName!);

    /// <exception cref="McpException">An argument is unknown or of the wrong kind.</exception>
    private static void Check(Tool tool, IDictionary<string, JsonElement> arguments)
    {
        bool hasProperties = tool.InputSchema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        string? unknown = hasProperties ? arguments.Keys.FirstOrDefault(name => !properties.TryGetProperty(name, out _)) : null;
        // Worded only for a refusal: a call that is right pays nothing for it.
        string Takes() => hasProperties && properties.EnumerateObject().Any() ? $"it takes: {string.Join(", ", properties.EnumerateObject().Select(p => p.Name))}" : "it takes no arguments";
        if (tool.InputSchema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()))
                if (name is not null && !arguments.ContainsKey(name))
                    // explain_text called with 'texts', as classify_text takes it: the argument given is the mistake to name.
                    throw new McpException($"{tool.Name} needs the argument '{name}'{(unknown is null ? "" : $", and has no argument '{unknown}'; {Takes()}")}");
        if (unknown is not null) throw new McpException($"{tool.Name} has no argument '{unknown}'; {Takes()}");
        if (!hasProperties) return;
        foreach (var (name, given) in arguments.ToArray())
        {
            var schema = properties.GetProperty(name);
            var value = given;
            // JSON Schema's integer is any number without a fraction: 3.0 is 3, which the SDK's binder would refuse for an int.
            if (Types(schema).Contains("integer") && ToolArguments.WholeNumber(value) is { } whole) arguments[name] = value = whole;
            // Before the kind: a whole number beyond int (99999999999) is the wrong size, not the wrong kind, and the SDK's
            // binder would fail on it unexplained.
            if (ArgumentRange.Of(schema) is { } range && range.Excludes(value)) throw range.Refusal(name, value.GetRawText());
            if (Mismatch(schema, value) is { } problem)
                throw new McpException($"argument '{name}' of {tool.Name} must be {problem}");
        }
    }

    /// <summary>
    /// What is wrong with <paramref name="value"/> under the property's schema, or null when its JSON kind is allowed.
    /// Only types and array items are checked; ranges are checked before, and the tools check other values themselves.
    /// </summary>
    private static string? Mismatch(JsonElement schema, JsonElement value)
    {
        var allowed = Types(schema);
        if (allowed.Length == 0) return null;
        var items = schema.TryGetProperty("items", out var itemSchema) ? itemSchema : (JsonElement?)null;
        string expected = string.Join(" or ", allowed.Where(t => t != "null").Select(t => Article(t, items)));
        if (!allowed.Any(t => IsKind(t, value)))
            return $"{expected}, not {(value.ValueKind == JsonValueKind.Number && allowed.Contains("integer") ? value.GetRawText() : PredictRequestReader.Describe(value.ValueKind))}";
        if (value.ValueKind != JsonValueKind.Array || items is not { } each) return null;
        int index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (Mismatch(each, item) is not null) return $"{expected}, and item {index} is {PredictRequestReader.Describe(item.ValueKind)}";
            index++;
        }
        return null;
    }

    /// <summary>The JSON kinds a property's schema allows (its <c>type</c>, one or a list); none when it says none.</summary>
    private static string[] Types(JsonElement schema) =>
        !schema.TryGetProperty("type", out var type) ? []
        : type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString() ?? "")]
        : [type.GetString() ?? ""];

    private static bool IsKind(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Article(string type, JsonElement? items) => type switch
    {
        "array" when items is { } each && each.TryGetProperty("type", out var itemType) && FirstType(itemType) is { } item
            => $"an array of {item}s",
        "array" => "an array",
        "object" => "an object",
        "integer" => "a whole number",
        _ => $"a {type}",
    };

    /// <summary>The first non-null type of a schema's <c>type</c>, which is a name or a list of names.</summary>
    private static string? FirstType(JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => type.GetString(),
        JsonValueKind.Array => type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t is not null and not "null"),
        _ => null,
    };
}
