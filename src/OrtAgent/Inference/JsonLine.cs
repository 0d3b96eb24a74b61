using System.Text;

namespace OrtAgent.Inference;

/// <summary>
/// One line of the CLI's JSON output (<c>predict --json</c>, <c>.jsonl</c> files, <c>eval --json</c>, <c>explain
/// --json</c>) from the UTF-8 a <see cref="System.Text.Json.Utf8JsonWriter"/> made with <see cref="PredictionJson.Options"/>.
/// </summary>
/// <remarks>
/// A JSON Lines row copies an input row's values raw, past any encoder: a text holding U+2028, U+2029 or U+0085 split
/// its row in two for line-based readers (Python's <c>str.splitlines()</c>, many editors), and one holding U+202E turned
/// the line around in a terminal. Every invisible control the encoder escapes (<see cref="TerminalSafeJsonEncoder"/>) is
/// escaped here too; JSON allows such characters only inside strings, where <c>\u2028</c> means the same character, so
/// escaping them is exact.
/// </remarks>
internal static class JsonLine
{
    /// <summary>The line, with every invisible control beyond ASCII (U+0085, U+2028, U+202E…) written as its <c>\uXXXX</c> escape.</summary>
    public static string From(ReadOnlySpan<byte> utf8)
    {
        string json = Encoding.UTF8.GetString(utf8);
        int next = NextInvisibleControl(json, 0, out int length);
        if (next < 0) return json;
        var escaped = new StringBuilder(json.Length + 16);
        int copied = 0;
        for (; next >= 0; next = NextInvisibleControl(json, copied, out length))
        {
            escaped.Append(json, copied, next - copied);
            for (int i = next; i < next + length; i++) escaped.Append($"\\u{(int)json[i]:X4}");
            copied = next + length;
        }
        return escaped.Append(json, copied, json.Length - copied).ToString();
    }

    // Where the next one is from `start` on, and its UTF-16 length; -1 when there is none. Below U+007F the only controls
    // are C0, which JSON allows outside strings only as whitespace, and never raw inside them.
    private static int NextInvisibleControl(string json, int start, out int length)
    {
        length = 0;
        var rest = json.AsSpan(start);
        for (int i = rest.IndexOfAnyExceptInRange('\0', '\u007E'); i >= 0 && i < rest.Length;)
        {
            Rune.DecodeFromUtf16(rest[i..], out var rune, out int used);
            if (TerminalSafeJsonEncoder.IsInvisibleControl(rune.Value))
            {
                length = used;
                return start + i;
            }
            i += used;
        }
        return -1;
    }
}
