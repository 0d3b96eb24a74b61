using System.Globalization;
using System.Text;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime;

/// <summary>
/// Tells a text the model would be given nothing of: one the tokenizer turns into no WordPiece token at all (empty,
/// whitespace, or only characters it drops, such as a zero-width space, a soft hyphen or NUL), which a classifier would
/// still score, from [CLS] and [SEP] alone. Every host refuses such a text as it refuses an empty one, and words what
/// it held from <see cref="Describe(string, BertTextEncoder)"/>.
/// </summary>
public static class NothingToClassify
{
    /// <summary>
    /// What <paramref name="text"/> holds when <paramref name="encoder"/> makes no WordPiece token of it (<c>only whitespace</c>,
    /// <c>only control or format characters, which the tokenizer drops (U+200B)</c>); null when it makes one or more.
    /// </summary>
    /// <remarks>
    /// The encoder decides, so the rule is the tokenizer's own. A text with a letter or digit always yields a token
    /// (at worst [UNK]), so only the rest is tokenized here: a long text is not tokenized twice.
    /// </remarks>
    public static string? Describe(string text, BertTextEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(encoder);
        if (HasLetterOrDigit(text)) return null;
        return encoder.CountTokens(text) == 0 ? WhatItHolds(text) : null;
    }

    /// <summary>
    /// As <see cref="Describe(string, BertTextEncoder)"/> before a model is chosen (a data file read first): by the
    /// tokenizer's normalisation for cased vocabularies, which drops control and format characters and keeps everything
    /// else. What only an uncased vocabulary drops (accents and other combining marks) passes here, and the classifier
    /// refuses it when it tokenizes.
    /// </summary>
    public static string? Describe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (HasLetterOrDigit(text)) return null;
        return string.IsNullOrWhiteSpace(CasedNormalizer.Normalize(text)) ? WhatItHolds(text) : null;
    }

    private static readonly BertTextNormalizer CasedNormalizer = new(lowerCase: false);

    private static bool HasLetterOrDigit(string text)
    {
        foreach (char c in text)
            if (char.IsLetterOrDigit(c)) return true;
        return false;
    }

    private static readonly Rune ReplacementCharacter = new(0xFFFD);

    /// <summary>The words for a text with no token: empty, only whitespace, or the kinds of the characters it held and the first few of them.</summary>
    internal static string WhatItHolds(string text)
    {
        if (text.Length == 0) return "it is empty";
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        var shown = new List<string>();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune)) continue;
            // U+FFFD, the mark a decoder leaves for bytes it could not read, is "other" by category; named, it tells the user why.
            kinds.Add(rune == ReplacementCharacter ? "replacement" : Rune.GetUnicodeCategory(rune) switch
            {
                UnicodeCategory.Control => "control",
                UnicodeCategory.Format => "format",
                UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => "combining-mark",
                UnicodeCategory.PrivateUse => "private-use",
                UnicodeCategory.OtherNotAssigned => "unassigned",
                _ => "other",
            });
            string codePoint = $"U+{rune.Value:X4}";
            if (shown.Count < 3 && !shown.Contains(codePoint)) shown.Add(codePoint);
        }
        if (shown.Count == 0) return "it is only whitespace";
        string kindWords = kinds.Count == 1 ? kinds.Min! : string.Join(", ", kinds.Take(kinds.Count - 1)) + " or " + kinds.Max;
        return $"it holds only {kindWords} characters, which the tokenizer drops ({string.Join(", ", shown)})";
    }
}
