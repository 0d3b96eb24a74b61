using System.Globalization;
using System.Text.Json;

namespace OrtAgent.Serving;

/// <summary>
/// A JSON number read as a whole number however it is written (<c>3</c>, <c>3.0</c>, <c>3e0</c>, <c>30e-1</c>), as JSON
/// Schema's <c>integer</c> is one and as Python's <c>json.dumps(3.0)</c> sends one; a fraction, however small
/// (<c>2.5</c>, <c>2.00000000000000000000000000001</c>, <c>1e-400</c>), never. The one reader of every integer a body
/// or a tool call gives: serve's <c>/explain</c>, the fine-tuning API's jobs and chats, the MCP tools' arguments, so
/// that none refuses what another takes.
/// </summary>
internal static class JsonWholeNumber
{
    /// <summary>The int <paramref name="value"/> is, when it is a whole number within int's range.</summary>
    public static bool TryGetInt32(JsonElement value, out int number)
    {
        number = 0;
        if (value.ValueKind != JsonValueKind.Number) return false;
        if (value.TryGetInt32(out number)) return true;
        // Whole, so decimal holds it exactly when it fits decimal at all; int's range is checked on that exact value.
        if (!IsWhole(value) || !value.TryGetDecimal(out var exact) || exact is < int.MinValue or > int.MaxValue) return false;
        number = (int)exact;
        return true;
    }

    /// <summary>
    /// Whether JSON number <paramref name="value"/> has no fractional part, decided on the digits it was written with:
    /// decimal and double round <c>2.00000000000000000000000000001</c> to 2 and <c>1e-400</c> to 0, which would take a
    /// fraction as a whole number. Linear in the text, whatever its exponent (<c>1e999999999</c>).
    /// </summary>
    public static bool IsWhole(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number) return false;
        string raw = value.GetRawText();
        // JSON's grammar: -?digits(.digits)?([eE][+-]?digits)?, which the reader has already checked.
        int exponentAt = raw.IndexOfAny(['e', 'E']);
        string mantissa = exponentAt < 0 ? raw : raw[..exponentAt];
        int point = mantissa.IndexOf('.');
        string digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        int fractionDigits = point < 0 ? 0 : mantissa.Length - point - 1;
        string significant = digits.TrimStart('-').TrimEnd('0');
        if (significant.Trim('0').Length == 0) return true;
        int trailingZeros = digits.TrimStart('-').Length - significant.Length;
        // The value is significant × 10^(exponent - fractionDigits + trailingZeros): whole when that power is not negative.
        long exponent = exponentAt < 0 ? 0 : ClampedExponent(raw[(exponentAt + 1)..]);
        return exponent - fractionDigits + trailingZeros >= 0;
    }

    // An exponent beyond ±10^15 is as good as infinite next to any digit count a request can hold.
    private static long ClampedExponent(string text)
    {
        bool negative = text.StartsWith('-');
        string magnitude = text.TrimStart('+', '-').TrimStart('0');
        long value = magnitude.Length > 15 ? 1_000_000_000_000_000 : magnitude.Length == 0 ? 0 : long.Parse(magnitude, CultureInfo.InvariantCulture);
        return negative ? -value : value;
    }
}
