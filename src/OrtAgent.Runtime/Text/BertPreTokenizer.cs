using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace OrtAgent.Runtime.Text;

/// <summary>
/// BERT's split of normalised text into words before WordPiece, as Hugging Face's <c>BertPreTokenizer</c> (and the
/// original BasicTokenizer) make it: whitespace separates words, every punctuation character is a word of its own,
/// and everything else, symbols and emoji included, stays in its word (which WordPiece then spells, or makes [UNK]).
/// Special tokens written in the text never reach it: as in Hugging Face, they are split off the raw text first
/// (<see cref="SpecialTokenMatcher"/>), so its brackets here are punctuation like any other.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own BERT pre-tokenizer keeps only <c>\w+</c> runs and <c>\p{P}</c> characters, so it
/// dropped every symbol the vocabulary has tokens for (<c>$</c>, <c>+</c>, <c>=</c>, <c>€</c>, <c>♥</c>: "$100 off" was
/// read as "100 off"), made emoji vanish instead of [UNK], split words at spacing marks (Devanagari's vowel signs), and
/// joined words across <c>_</c>, which BERT splits off like any ASCII punctuation.
/// </remarks>
internal sealed class BertPreTokenizer : PreTokenizer
{
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => PreTokenize(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text)
    {
        var words = new List<(int Offset, int Length)>();
        int wordStart = -1;
        for (int i = 0; i < text.Length;)
        {
            // The normaliser has removed half surrogate pairs; were one left, it would be one char of a word.
            Rune.DecodeFromUtf16(text[i..], out var rune, out int consumed);
            consumed = Math.Max(consumed, 1);
            if (Rune.IsWhiteSpace(rune))
            {
                EndWord(words, ref wordStart, i);
            }
            else if (IsPunctuation(rune))
            {
                EndWord(words, ref wordStart, i);
                words.Add((i, consumed));
            }
            else if (wordStart < 0)
            {
                wordStart = i;
            }
            i += consumed;
        }
        EndWord(words, ref wordStart, text.Length);
        return words;
    }

    /// <summary>
    /// BERT's punctuation: every non-alphanumeric printable ASCII character (so <c>$</c>, <c>+</c>, <c>^</c> and <c>`</c>,
    /// which Unicode calls symbols), and every character of Unicode's punctuation categories.
    /// </summary>
    public static bool IsPunctuation(Rune rune) => rune.Value is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    private static void EndWord(List<(int Offset, int Length)> words, ref int wordStart, int end)
    {
        if (wordStart < 0) return;
        words.Add((wordStart, end - wordStart));
        wordStart = -1;
    }
}
