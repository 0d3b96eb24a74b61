using System.Buffers;
using System.Text;

namespace OrtAgent.Inference;

/// <summary>
/// One line of the CLI's JSON output (<c>predict --json</c>, <c>.jsonl</c> files, <c>eval --json</c>, <c>explain
/// --json</c>) from the UTF-8 a <see cref="System.Text.Json.Utf8JsonWriter"/> made with <see cref="PredictionJson.Options"/>.
/// </summary>
/// <remarks>
/// The relaxed encoder keeps accents and quotes readable but writes U+2028, U+2029 and U+0085 as they are, and a JSON
/// Lines row copies an input row's values raw, past any encoder; line-based readers (Python's <c>str.splitlines()</c>,
/// many editors) break a line at each of them, so a text holding one split its row in two. JSON allows them only inside
/// strings, where <c>\u2028</c> means the same character, so escaping them here is exact.
/// </remarks>
internal static class JsonLine
{
    private static readonly SearchValues<char> LineBreaksJsonLeaves = SearchValues.Create("\u0085\u2028\u2029");

    /// <summary>The line, with every U+0085, U+2028 and U+2029 written as its <c>\uXXXX</c> escape.</summary>
    public static string From(ReadOnlySpan<byte> utf8)
    {
        string json = Encoding.UTF8.GetString(utf8);
        if (json.AsSpan().IndexOfAny(LineBreaksJsonLeaves) < 0) return json;
        var escaped = new StringBuilder(json.Length + 16);
        foreach (char c in json)
        {
            if (LineBreaksJsonLeaves.Contains(c)) escaped.Append($"\\u{(int)c:X4}");
            else escaped.Append(c);
        }
        return escaped.ToString();
    }
}
