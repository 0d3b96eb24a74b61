using System.Buffers;
using System.Text;
using System.Text.Json;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// The text content block of a tool's structured result, written for the model that reads it. Most MCP hosts hand a
/// model that block, not the structured content, and the SDK writes it with the default encoder, which escapes every
/// non-ASCII character and the apostrophe: a Chinese word reached the model as <c>\u592A</c>, an emoji as
/// <c>\uD83D\uDE00</c>. Here only what JSON requires is escaped (the quote, the backslash, C0 controls), and, as the CLI's <see cref="Inference.JsonLine"/> does, what would break or reorder the line a host shows:
/// the other control characters (U+007F to U+009F, U+0085 among them), U+2028 and U+2029, and the bidirectional
/// controls (U+202E and its kind), which could turn a word around in an agent's UI. Inside a JSON string <c>\u2028</c>
/// means the same character, so the text is the same JSON.
/// </summary>
internal static class ToolResultText
{
    private static readonly SearchValues<char> Escaped = SearchValues.Create(
        "\"\\\u007F\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F"
        + "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F"
        + "\u2028\u2029" + BidiControls.All);

    /// <summary><paramref name="json"/> (one JSON value) written compactly with its characters as they are, save those above.</summary>
    public static string Readable(JsonElement json)
    {
        var text = new StringBuilder(256);
        Write(json, text);
        return text.ToString();
    }

    // Written here rather than by a Utf8JsonWriter: the relaxed encoder still escapes every character beyond the BMP
    // (an emoji became \uD83D\uDE00), and a custom JavaScriptEncoder needs unsafe code.
    private static void Write(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                bool firstProperty = true;
                foreach (var property in value.EnumerateObject())
                {
                    if (!firstProperty) text.Append(',');
                    firstProperty = false;
                    WriteString(property.Name, text);
                    text.Append(':');
                    Write(property.Value, text);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                bool firstItem = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!firstItem) text.Append(',');
                    firstItem = false;
                    Write(item, text);
                }
                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(value.GetString()!, text);
                break;
            default:
                // Numbers, true, false and null: ASCII as they were written.
                text.Append(value.GetRawText());
                break;
        }
    }

    private static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool wholePair = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
            if (wholePair)
            {
                text.Append(c).Append(value[++i]);
                continue;
            }
            if (c >= ' ' && !Escaped.Contains(c) && !char.IsSurrogate(c))
            {
                text.Append(c);
                continue;
            }
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                _ => $"\\u{(int)c:X4}",
            });
        }
        text.Append('"');
    }
}
