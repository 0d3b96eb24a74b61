using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OrtAgent.Mcp;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// The text content block of a tool's result, which most hosts hand the model: it escaped every non-ASCII character
/// and the apostrophe (<c>\u592A</c>, <c>\uD83D\uDE00</c>, <c>\u0027</c>), so a model read CJK labels as escapes.
/// </summary>
public sealed class ToolResultTextTests
{
    /// <summary>Labels a host would show: CJK, an emoji, an apostrophe, and characters that break or reorder a line (no control: a model refuses those).</summary>
    private static readonly ToyModelSpec Readable = new(
        ["it's bad", "太好了 😀\u2028\u202E"],
        new Dictionary<string, float[]> { ["good"] = [0, 6], ["bad"] = [6, 0] });

    private const string ReadableLabel = "太好了 😀\\u2028\\u202E";

    [Fact]
    public async Task OverHttpTheTextBlockHoldsTheCharactersThemselvesAndEscapesOnlyWhatBreaksALine()
    {
        await using var server = await ServerUnderTest.StartAsync(model: Readable);
        await using var client = await McpTestClients.ConnectHttpAsync(server.BaseAddress, key: null, protocolVersion: null);

        await AssertReadableAsync(client);
    }

    [Fact]
    public async Task OverStdioTheTextBlockHoldsTheCharactersThemselvesAndEscapesOnlyWhatBreaksALine()
    {
        using var folder = new TempDirectory();
        var directory = Path.Combine(folder.Path, "readable");
        ToyClassifierModel.Write(directory, Readable);
        await using var client = await OrtAgentMcpProcess.ConnectAsync(["--model", directory]);

        await AssertReadableAsync(client);
    }

    [Fact]
    public void ControlCharactersAreEscapedAndNeverWrittenRaw()
    {
        var json = JsonDocument.Parse("{\"s\\n\":[\"a\\u0001b\\u007fc\\u009fd\\u2029e\\u2066f\\\"g\\\\h\\ud83d\\ude00\\t\",1.5e3,true,null]}").RootElement;

        string text = ToolResultText.Readable(json);

        Assert.Equal("{\"s\\n\":[\"a\\u0001b\\u007Fc\\u009Fd\\u2029e\\u2066f\\\"g\\\\h😀\\t\",1.5e3,true,null]}", text);
        Assert.Equal(json.GetProperty("s\n")[0].GetString(), JsonDocument.Parse(text).RootElement.GetProperty("s\n")[0].GetString());
    }

    /// <summary>
    /// Format characters beyond the bidirectional controls were written as they were: a zero-width space, a soft hyphen,
    /// a byte-order mark, and the tag characters beyond U+FFFF, which a person never sees and a model reads (hidden
    /// instructions in a label). They are escaped as every invisible control is, CJK and emoji still as they are.
    /// </summary>
    [Fact]
    public void EveryFormatCharacterIsEscapedTheTagsBeyondTheBmpAsTheirPairs()
    {
        var json = JsonDocument.Parse("[\"zero\\u200Bwidth\\u00ADsoft\\uFEFF\\uDB40\\uDC41 太 \\ud83d\\ude00\"]").RootElement;

        string text = ToolResultText.Readable(json);

        Assert.Equal("[\"zero\\u200Bwidth\\u00ADsoft\\uFEFF\\uDB40\\uDC41 太 😀\"]", text);
        Assert.Equal(json[0].GetString(), JsonDocument.Parse(text).RootElement[0].GetString());
    }

    private static async Task AssertReadableAsync(McpClient client)
    {
        var classified = await client.CallToolAsync("classify_text", new Dictionary<string, object?> { ["texts"] = new[] { "good", "bad" } });
        var listed = await client.CallToolAsync("list_models", new Dictionary<string, object?>());

        foreach (var result in new[] { classified, listed })
        {
            string text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
            Assert.True(text.Contains(ReadableLabel, StringComparison.Ordinal), text);
            Assert.Contains("\"it's bad\"", text);
            Assert.DoesNotContain("\\u", text.Replace(ReadableLabel, ""));
            Assert.DoesNotContain(text, c => c is '\u2028' or '\u202E');
            // The same JSON as the structured content, only written differently.
            Assert.Equal(JsonSerializer.Serialize(result.StructuredContent), JsonSerializer.Serialize(JsonDocument.Parse(text).RootElement));
        }
    }
}
