using System.Text;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// The tokens of a text with, for each, the word of the original text it came from. Words are what BERT's basic
/// tokenizer splits before WordPiece (runs between whitespace, with each punctuation mark and CJK character on its
/// own), so encoding word by word gives the same pieces as encoding the whole text, and every piece knows its word.
/// </summary>
internal sealed class WordPieceAlignment
{
    private WordPieceAlignment(int[] tokenIds, int[] wordOfToken, List<(int Start, int Length)> words, bool truncated)
    {
        TokenIds = tokenIds;
        WordOfToken = wordOfToken;
        Words = words;
        Truncated = truncated;
    }

    /// <summary>[CLS], the text's pieces (cut to the encoder's maximum length), [SEP].</summary>
    public int[] TokenIds { get; }

    /// <summary>For each token, the index into <see cref="Words"/>; −1 for [CLS] and [SEP].</summary>
    public int[] WordOfToken { get; }

    /// <summary>Character spans of the words that kept at least one piece.</summary>
    public IReadOnlyList<(int Start, int Length)> Words { get; }

    public bool Truncated { get; }

    public static WordPieceAlignment Align(BertTextEncoder encoder, string text)
    {
        int bodyLimit = encoder.MaxLength - 2;
        var ids = new List<int> { encoder.ClassificationTokenId };
        var wordOfToken = new List<int> { -1 };
        var words = new List<(int, int)>();
        bool truncated = false;
        foreach (var (start, length) in SplitWords(encoder, text))
        {
            var pieces = encoder.EncodePieces(text.AsSpan(start, length));
            if (pieces.Count == 0) continue; // only characters the tokenizer drops (controls, lone accents)
            int room = bodyLimit - (ids.Count - 1);
            if (room <= 0)
            {
                truncated = true;
                break;
            }
            int kept = Math.Min(room, pieces.Count);
            truncated |= kept < pieces.Count;
            for (int i = 0; i < kept; i++)
            {
                ids.Add(pieces[i]);
                wordOfToken.Add(words.Count);
            }
            words.Add((start, length));
        }
        ids.Add(encoder.SeparatorTokenId);
        wordOfToken.Add(-1);
        return new WordPieceAlignment([.. ids], [.. wordOfToken], words, truncated);
    }

    /// <summary>
    /// The words the tokenizer sees: runs between its word breaks, with each punctuation mark and CJK character on its own,
    /// and a special token written in the text (<c>[UNK]</c>, <c>[SEP]</c>, …) as one word, since the tokenizer reads it
    /// as that token. Characters it drops stay inside their word, which then encodes as if they were not there.
    /// </summary>
    private static IEnumerable<(int Start, int Length)> SplitWords(BertTextEncoder encoder, string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (encoder.RoleOf(text[i]) == CharacterRole.WordBreak)
            {
                i++;
                continue;
            }
            if (SpecialTokenLength(encoder, text, i) is int special)
            {
                yield return (i, special);
                i += special;
                continue;
            }
            if (StandsAlone(text, i))
            {
                int width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
                yield return (i, width);
                i += width;
                continue;
            }
            int start = i;
            while (i < text.Length && encoder.RoleOf(text[i]) != CharacterRole.WordBreak && !StandsAlone(text, i)) i++;
            yield return (start, i - start);
        }
    }

    /// <summary>The length of the special token written at <paramref name="i"/>, or null when none starts there.</summary>
    private static int? SpecialTokenLength(BertTextEncoder encoder, string text, int i)
    {
        const int longest = 16;   // [CLS], [MASK] and the like; a bracket further on closes something else
        if (text[i] != '[') return null;
        int close = text.IndexOf(']', i + 1, Math.Min(longest, text.Length - i - 1));
        return close > i && encoder.IsSpecialToken(text.AsSpan(i, close - i + 1)) ? close - i + 1 : null;
    }

    /// <summary>What the tokenizer makes a word of its own: punctuation (<see cref="BertPreTokenizer.IsPunctuation"/>) and CJK ideographs.</summary>
    private static bool StandsAlone(string text, int i)
    {
        Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out _);
        return BertPreTokenizer.IsPunctuation(rune) || BertTextNormalizer.IsCjkIdeograph(rune.Value);
    }
}
