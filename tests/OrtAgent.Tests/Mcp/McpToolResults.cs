using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OrtAgent.Tests.Mcp;

/// <summary>Calls a tool and reads its answer the way an MCP client would: the structured content, or the error text.</summary>
internal static class McpToolResults
{
    public static async Task<JsonElement> CallAsync(this McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        Assert.True(result.IsError is not true, $"{tool} failed: {Text(result)}");
        Assert.NotNull(result.StructuredContent);
        return JsonSerializer.SerializeToElement(result.StructuredContent);
    }

    /// <summary>Calls a tool that must fail as a tool call (not as a protocol error) and returns its message.</summary>
    public static async Task<string> CallFailingAsync(this McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        Assert.True(result.IsError, $"{tool} should have failed but answered: {Text(result)}");
        return Text(result);
    }

    public static string Text(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    /// <summary>The label and probability pairs of one classify_text result.</summary>
    public static (string Label, double Probability)[] Probabilities(JsonElement result) =>
        result.GetProperty("probabilities").EnumerateArray()
            .Select(p => (p.GetProperty("label").GetString()!, p.GetProperty("probability").GetDouble()))
            .ToArray();
}
