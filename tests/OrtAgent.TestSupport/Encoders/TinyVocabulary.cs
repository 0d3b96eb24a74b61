namespace OrtAgent.Training.Encoders;

/// <summary>A small lower-case WordPiece vocabulary: special tokens, common words, letters and suffix pieces.</summary>
public static class TinyVocabulary
{
    private static readonly string[] Special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private static readonly string[] Words =
    [
        "the", "a", "an", "and", "or", "but", "not", "no", "is", "was", "are", "be", "it", "this", "that", "i", "you", "we",
        "they", "he", "she", "of", "to", "in", "on", "for", "with", "at", "by", "from", "as", "very", "so", "too", "good",
        "great", "bad", "terrible", "awful", "excellent", "love", "loved", "hate", "like", "liked", "movie", "film", "book",
        "food", "service", "product", "price", "quality", "time", "day", "night", "happy", "sad", "angry", "fine", "best",
        "worst", "nice", "boring", "fun", "slow", "fast", "cheap", "broken", "works", "work", "would", "will", "again",
        "never", "always", "really", "just", "all", "more", "less", "much", "one", "two", "three", "buy", "return", "refund",
        "order", "delivery", "late", "early", "staff", "room", "place", "recommend", "waste", "money",
        ".", ",", "!", "?", "'",
    ];

    private static readonly string[] Pieces = ["##s", "##ed", "##ing", "##ly", "##er", "##est", "##ness", "##ful", "##less", "##y"];

    /// <summary>Exactly <paramref name="count"/> distinct tokens.</summary>
    public static IEnumerable<string> Tokens(int count)
    {
        var letters = Enumerable.Range('a', 26).Select(c => ((char)c).ToString()).ToArray();
        var all = Special.Concat(Words).Concat(Pieces).Concat(letters).Concat(letters.Select(l => "##" + l)).Distinct().ToArray();
        if (count > all.Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"The tiny vocabulary has {all.Length} tokens; {count} were asked for.");
        return all.Take(count);
    }
}
