using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace OrtAgent.Runtime.Text;

/// <summary>
/// BERT's text normalisation as Hugging Face's tokenizers do it (<c>BertNormalizer</c>, which the fast BERT tokenizers
/// use): control and format characters removed, every whitespace character a space, each CJK ideograph set apart by
/// spaces, and for uncased vocabularies accents stripped (<see cref="AccentStripping"/>) and letters lower-cased. It
/// needs no ICU, so a process without it tokenizes alike. Special tokens written in the text never reach it: as in Hugging
/// Face, they are split off the raw text first (<see cref="SpecialTokenMatcher"/>).
/// </summary>
/// <remarks>
/// It replaces Microsoft.ML.Tokenizers' own normaliser, which differs from Hugging Face's where the pretrained encoders
/// learnt their vocabulary: it dropped tabs and line breaks, joining the words on either side ("good\nbad" became
/// "good ##bad"), kept format characters such as a zero-width space as word breaks, and recomposed (NFC) what stripping
/// had decomposed, so every Hangul syllable became [UNK] where Hugging Face reads its letters; and it did all of that
/// through ICU, or without ICU not at all.
/// </remarks>
internal sealed class BertTextNormalizer(bool lowerCase) : Normalizer
{
    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        var normalized = new StringBuilder(original.Length + 8);
        for (int i = 0; i < original.Length;)
        {
            if (Rune.DecodeFromUtf16(original[i..], out var rune, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                // Half a surrogate pair is not text; the classifier refuses it before it gets here, the tokenizer drops it.
                i += Math.Max(consumed, 1);
                continue;
            }
            i += consumed;
            if (lowerCase && AccentStripping.TryStrip(rune, out var stripped))
                foreach (var letter in stripped.EnumerateRunes()) Append(normalized, letter);
            else
                Append(normalized, rune);
        }
        return normalized.ToString();
    }

    private void Append(StringBuilder normalized, Rune rune)
    {
        if (Rune.IsWhiteSpace(rune))
        {
            normalized.Append(' ');
            return;
        }
        if (rune.Value is 0 or 0xFFFD || IsControl(Rune.GetUnicodeCategory(rune))) return;
        if (lowerCase) rune = Rune.ToLowerInvariant(rune);
        bool ideograph = IsCjkIdeograph(rune.Value);
        if (ideograph) normalized.Append(' ');
        Span<char> scratch = stackalloc char[2];
        normalized.Append(scratch[..rune.EncodeToUtf16(scratch)]);
        if (ideograph) normalized.Append(' ');
    }

    // Hugging Face's is_control: the C categories (whitespace is handled before, so tab and line breaks are not among them).
    private static bool IsControl(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    // The CJK Unified Ideographs blocks and their extensions, and the compatibility ideographs, as BERT's tokenizers list them.
    internal static bool IsCjkIdeograph(int codePoint) => codePoint is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF)
        or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
        or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
