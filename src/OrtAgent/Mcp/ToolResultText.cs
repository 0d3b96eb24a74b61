using System.Text;
using System.Text.Json;

namespace OrtAgent.Mcp;

/// <summary>
/// The text content block of a tool's structured result, written for the model that reads it. Most MCP hosts hand a
/// model that block, not the structured content, and the SDK writes it with the default encoder, which escapes every
/// non-ASCII character and the apostrophe: a Chinese word reached the model as <c>\u592A</c>, an emoji as
/// <c>\uD83D\uDE00</c>. Here only what JSON requires is escaped (the quote, the backslash, C0 controls), and, as the CLI's
/// JSON does (<see cref="Inference.TerminalSafeJsonEncoder"/>), every invisible control, which could break, reorder or
/// hide text in the line a host shows: the other control characters (U+007F to U+009F, U+0085 among them), U+2028 and
/// U+2029, and the format characters (Cf: the bidirectional controls such as U+202E, zero-width characters, and the
/// tag characters beyond U+FFFF that a model reads and a person never sees). Inside a JSON string <c>\u2028</c> means
/// the same character, so the text is the same JSON.
/// </summary>
internal static class ToolResultText
{
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
                char low = value[++i];
                if (Inference.TerminalSafeJsonEncoder.IsInvisibleControl(char.ConvertToUtf32(c, low))) text.Append($"\\u{(int)c:X4}\\u{(int)low:X4}");
                else text.Append(c).Append(low);
                continue;
            }
            if (c >= ' ' && c is not ('"' or '\\') && !Inference.TerminalSafeJsonEncoder.IsInvisibleControl(c) && !char.IsSurrogate(c))
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
