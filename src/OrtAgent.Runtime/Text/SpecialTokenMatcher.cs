using System.Buffers;

namespace OrtAgent.Runtime.Text;

/// <summary>
/// Finds BERT's special tokens ([CLS], [SEP], [PAD], [MASK], [UNK]) written in a text as Hugging Face's tokenizers find
/// them: exactly as written, case and all, in the raw text before anything is normalised, the leftmost first and, where
/// two begin at one place, the longer. The text between them is then normalised and split into words on its own.
/// </summary>
/// <remarks>
/// Hugging Face's tokenizer.json marks BERT's special tokens <c>"normalized": false</c>, and its
/// <c>AddedVocabulary::extract_and_normalize</c> splits such tokens off the raw text before the normaliser runs. So
/// <c>[SEP]</c> is the separator, while <c>[sep]</c>, <c>[Sep]</c>, or <c>[SE</c> + a zero-width space (or a soft
/// hyphen) + <c>P]</c> are read as pieces (<c>[</c>, <c>sep</c>, <c>]</c>), for cased and uncased vocabularies alike,
/// even where lower-casing or dropping a format character would have made them look like the token. None of BERT's
/// special tokens has <c>single_word</c>, <c>lstrip</c> or <c>rstrip</c> set, so one glued to words (<c>a[SEP]b</c>) is
/// still the token.
/// </remarks>
internal sealed class SpecialTokenMatcher
{
    // Longest first, so where one token begins another the longer is taken, as Hugging Face's leftmost-longest match does.
    private readonly (string Text, int Id)[] _tokens;
    private readonly SearchValues<char> _firstCharacters;

    /// <param name="tokens">Each special token as written in the vocabulary, with its id.</param>
    public SpecialTokenMatcher(IEnumerable<(string Text, int Id)> tokens)
    {
        _tokens = [.. tokens.Where(token => token.Text.Length > 0).DistinctBy(token => token.Text, StringComparer.Ordinal)
            .OrderByDescending(token => token.Text.Length)];
        _firstCharacters = SearchValues.Create([.. _tokens.Select(token => token.Text[0]).Distinct()]);
    }

    /// <summary>The first special token written in <paramref name="text"/> at or after <paramref name="start"/>; null when there is none.</summary>
    public (int Start, int Length, int Id)? FindNext(ReadOnlySpan<char> text, int start)
    {
        while (start < text.Length)
        {
            int candidate = text[start..].IndexOfAny(_firstCharacters);
            if (candidate < 0) return null;
            start += candidate;
            foreach (var (token, id) in _tokens)
                if (text[start..].StartsWith(token, StringComparison.Ordinal)) return (start, token.Length, id);
            start++;
        }
        return null;
    }
}
