using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace OrtAgent.Runtime.Text;

/// <summary>
/// BERT's text normalisation as Hugging Face's tokenizers do it (<c>BertNormalizer</c>, which the fast BERT tokenizers
/// use): control and format characters removed, every whitespace character a space, each CJK ideograph set apart by
/// spaces (unless <c>tokenize_chinese_chars</c> is off), accents stripped (<see cref="AccentStripping"/>; by default for
/// uncased vocabularies only, as <c>strip_accents</c> may say otherwise) and, for uncased vocabularies, letters lower-cased. It
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
/// <param name="lowerCase">Lower-case letters.</param>
/// <param name="stripAccents">Strip accents; null strips them exactly when lower-casing (Hugging Face's <c>strip_accents=None</c>).</param>
/// <param name="individuallyTokenizeCjk">Set each CJK ideograph apart by spaces (Hugging Face's <c>tokenize_chinese_chars</c>).</param>
internal sealed class BertTextNormalizer(bool lowerCase, bool? stripAccents = null, bool individuallyTokenizeCjk = true) : Normalizer
{
    private readonly bool _stripAccents = stripAccents ?? lowerCase;

    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        // Written into a pooled buffer, rented and returned here, and copied once into the string: a StringBuilder cost
        // its chunk and the copy both, on every text tokenized. The buffer grows when stripping or ideographs lengthen the text.
        char[] buffer = ArrayPool<char>.Shared.Rent(original.Length + 8);
        int length = 0;
        try
        {
            for (int i = 0; i < original.Length;)
            {
                if (Rune.DecodeFromUtf16(original[i..], out var rune, out int consumed) != OperationStatus.Done)
                {
                    // Half a surrogate pair is not text; the classifier refuses it before it gets here, the tokenizer drops it.
                    i += Math.Max(consumed, 1);
                    continue;
                }
                i += consumed;
                if (_stripAccents && AccentStripping.TryStrip(rune, out var stripped))
                    foreach (var letter in stripped.EnumerateRunes()) Append(ref buffer, ref length, letter);
                else
                    Append(ref buffer, ref length, rune);
            }
            return new string(buffer, 0, length);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    // The most one rune appends: an ideograph (two UTF-16 units at most) between two spaces.
    private const int MostCharsPerRune = 4;

    private void Append(ref char[] buffer, ref int length, Rune rune)
    {
        if (length + MostCharsPerRune > buffer.Length)
        {
            var larger = ArrayPool<char>.Shared.Rent(buffer.Length * 2);
            buffer.AsSpan(0, length).CopyTo(larger);
            ArrayPool<char>.Shared.Return(buffer);
            buffer = larger;
        }
        if (Rune.IsWhiteSpace(rune))
        {
            buffer[length++] = ' ';
            return;
        }
        if (rune.Value is 0 or 0xFFFD || IsControl(Rune.GetUnicodeCategory(rune))) return;
        if (lowerCase) rune = Rune.ToLowerInvariant(rune);
        bool ideograph = individuallyTokenizeCjk && IsCjkIdeograph(rune.Value);
        if (ideograph) buffer[length++] = ' ';
        length += rune.EncodeToUtf16(buffer.AsSpan(length));
        if (ideograph) buffer[length++] = ' ';
    }

    // Hugging Face's is_control: the C categories (whitespace is handled before, so tab and line breaks are not among them).
    private static bool IsControl(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    // The CJK Unified Ideographs blocks and their extensions, and the compatibility ideographs, as BERT's tokenizers list them.
    internal static bool IsCjkIdeograph(int codePoint) => codePoint is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF)
        or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
        or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
