using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace OrtAgent.Mcp;

/// <summary>
/// Writes the server's <see cref="ToolLimits"/> into the input schemas of <c>classify_text</c> and <c>explain_text</c>,
/// where a client reads what a tool takes before it calls: the SDK's generator knows a parameter's type and its
/// <c>[Range]</c>, not limits a server sets at start (<c>--max-inputs</c>, <c>--max-chars</c>, <c>/explain</c>'s steps).
/// <list type="bullet">
/// <item><c>text</c> and each of <c>texts</c>: <c>maxLength</c>, and <c>texts.items</c> a plain string (the generator
/// wrote <c>["string", "null"]</c>, though a null text is refused);</item>
/// <item><c>texts</c>: <c>minItems</c> 1 and <c>maxItems</c>;</item>
/// <item><c>steps</c>: <c>maximum</c>, the server's cap, which <see cref="ToolCallGuard"/> then holds a call to.</item>
/// </list>
/// That classify_text needs exactly one of <c>text</c> and <c>texts</c> is said in their descriptions, not by a
/// top-level <c>oneOf</c>: hosts that pass a tool to a model API (OpenAI's and Anthropic's function calling) refuse
/// <c>oneOf</c>, <c>anyOf</c> and <c>allOf</c> at the top of an input schema.
/// </summary>
internal static class ToolSchemaLimits
{
    public static void Apply(Tool tool, ToolLimits limits)
    {
        if (tool.Name is not ("classify_text" or "explain_text")) return;
        var schema = JsonNode.Parse(tool.InputSchema.GetRawText())!.AsObject();
        var properties = schema["properties"]!.AsObject();
        string chars = $"at most {limits.MaxChars} characters";
        if (properties["text"] is JsonObject text)
        {
            text["maxLength"] = limits.MaxChars;
            Describe(text, tool.Name == "classify_text" ? $"{chars}. Exactly one of 'text' and 'texts' is required" : chars);
        }
        if (properties["texts"] is JsonObject texts)
        {
            texts["minItems"] = 1;
            texts["maxItems"] = limits.MaxInputs;
            texts["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = limits.MaxChars };
            Describe(texts, $"1 to {limits.MaxInputs} texts of {chars} each. Exactly one of 'text' and 'texts' is required");
        }
        if (properties["steps"] is JsonObject steps)
        {
            steps["maximum"] = limits.MaxExplainSteps;
            Describe(steps, $"1 to {limits.MaxExplainSteps}");
        }
        tool.InputSchema = JsonSerializer.SerializeToElement(schema);
    }

    /// <summary>Adds <paramref name="limit"/> to the property's description, for clients that show only descriptions, unless it says it already.</summary>
    private static void Describe(JsonObject property, string limit)
    {
        string description = property["description"]?.GetValue<string>() ?? "";
        // The options are built again for each session an inference key's instructions are set in (and each request on
        // MCP 2026-07-28), over the same tools: said once.
        if (description.Contains(limit, StringComparison.Ordinal)) return;
        property["description"] = $"{description.TrimEnd('.')}; {limit}.".TrimStart(';', ' ');
    }
}
