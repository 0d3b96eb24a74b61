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
    /// The words the tokenizer sees: a special token written exactly in the text (<c>[UNK]</c>, <c>[SEP]</c>, …) as one
    /// word, found first as the encoder finds it; and in the text between, runs between its word breaks, with each
    /// punctuation mark and CJK character on its own. Characters it drops stay inside their word, which then encodes as
    /// if they were not there.
    /// </summary>
    private static IEnumerable<(int Start, int Length)> SplitWords(BertTextEncoder encoder, string text)
    {
        for (int start = 0; start < text.Length;)
        {
            var special = encoder.FindSpecialToken(text, start);
            int end = special?.Start ?? text.Length;
            foreach (var word in SplitStretch(encoder, text, start, end)) yield return word;
            if (special is not { } token) break;
            yield return (token.Start, token.Length);
            start = token.Start + token.Length;
        }
    }

    /// <summary>The words of <paramref name="text"/> from <paramref name="start"/> to <paramref name="end"/>, where no special token is written.</summary>
    private static IEnumerable<(int Start, int Length)> SplitStretch(BertTextEncoder encoder, string text, int start, int end)
    {
        int i = start;
        while (i < end)
        {
            if (encoder.RoleOf(text[i]) == CharacterRole.WordBreak)
            {
                i++;
                continue;
            }
            if (StandsAlone(encoder, text, i))
            {
                int width = char.IsHighSurrogate(text[i]) && i + 1 < end ? 2 : 1;
                yield return (i, width);
                i += width;
                continue;
            }
            int wordStart = i;
            while (i < end && encoder.RoleOf(text[i]) != CharacterRole.WordBreak && !StandsAlone(encoder, text, i)) i++;
            yield return (wordStart, i - wordStart);
        }
    }

    /// <summary>What the tokenizer makes a word of its own: punctuation (<see cref="BertPreTokenizer.IsPunctuation"/>) and CJK ideographs, unless it reads those as other letters.</summary>
    private static bool StandsAlone(BertTextEncoder encoder, string text, int i)
    {
        Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out _);
        return BertPreTokenizer.IsPunctuation(rune) || (encoder.IndividuallyTokenizesCjk && BertTextNormalizer.IsCjkIdeograph(rune.Value));
    }
}
