using System.Globalization;
using System.Text;

namespace OrtAgent;

/// <summary>
/// Text taken from a user's file or request, made fit to quote in a one-line error message: control characters,
/// invisible formatting (bidirectional overrides included), lone surrogates and U+FFFD (what undecodable bytes became)
/// never reach a terminal; each shows as '?'. Mostly-unprintable text (a binary file's "header") is described, not quoted.
/// </summary>
internal static class PrintableText
{
    /// <summary>The most characters <see cref="Quote"/> shows before cutting the text short with '…'.</summary>
    public const int MaxQuotedLength = 60;

    /// <summary>
    /// <paramref name="text"/> in single quotes, unprintable characters as '?', at most <see cref="MaxQuotedLength"/>
    /// characters; or <c>(N characters of binary data)</c> when over a quarter of it is unprintable.
    /// </summary>
    public static string Quote(string text)
    {
        var printable = Escape(text, out int unprintable);
        if (unprintable > 0 && unprintable * 4 > text.Length) return $"({text.Length} characters of binary data)";
        if (printable.Length > MaxQuotedLength)
        {
            int cut = char.IsHighSurrogate(printable[MaxQuotedLength - 1]) ? MaxQuotedLength - 1 : MaxQuotedLength;
            printable = printable[..cut] + "…";
        }
        return $"'{printable}'";
    }

    /// <summary>Each of <paramref name="texts"/> as <see cref="Quote"/> shows it, joined with <paramref name="separator"/>: a list of names or labels for a message.</summary>
    public static string QuoteAll(IEnumerable<string> texts, string separator = ", ") => string.Join(separator, texts.Select(Quote));

    /// <summary><paramref name="text"/> with every unprintable character replaced by '?', nothing cut.</summary>
    public static string Escape(string text) => Escape(text, out _);

    private static string Escape(string text, out int unprintable)
    {
        unprintable = 0;
        StringBuilder? escaped = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (pair)
            {
                escaped?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (IsPrintable(c))
            {
                escaped?.Append(c);
                continue;
            }
            unprintable++;
            escaped ??= new StringBuilder(text.Length).Append(text, 0, i);
            escaped.Append('?');
        }
        return escaped?.ToString() ?? text;
    }

    private static bool IsPrintable(char c) => c != '\uFFFD' && CharUnicodeInfo.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,
        _ => true,
    };
}
