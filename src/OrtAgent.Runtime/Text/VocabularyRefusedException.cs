namespace OrtAgent.Runtime.Text;

/// <summary>
/// A <c>vocab.txt</c> the tokenizer refused, said in the file's terms: <see cref="VocabularyPath"/> and
/// <see cref="Problem"/> apart, so each caller names the file as its own (a model's file, a base model option's).
/// Microsoft.ML.Tokenizers reports an empty file, or one without BERT's special tokens, as "The special token '[UNK]'
/// is not in the vocabulary.", which names neither the file nor what is wrong with it. Thrown by the internal
/// <see cref="BertTextEncoder.Create(byte[], string, BertTextEncoderOptions?)"/>; the public overload throws it again as
/// the <see cref="InvalidDataException"/> (a sealed type) its contract names, in the same words.
/// </summary>
internal sealed class VocabularyRefusedException : Exception
{
    private static readonly string[] SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    private VocabularyRefusedException(string vocabularyPath, string problem, Exception refused)
        : base($"{vocabularyPath}: {problem}", refused)
    {
        VocabularyPath = vocabularyPath;
        Problem = problem;
    }

    /// <summary>The file refused.</summary>
    public string VocabularyPath { get; }

    /// <summary>What is wrong with it, without its path: <c>is empty; …</c>, <c>has no [UNK] line; …</c>.</summary>
    public string Problem { get; }

    /// <summary>This refusal as that of <paramref name="option"/>, the option or flag that chose the vocabulary, given as <paramref name="value"/>.</summary>
    public InvalidOptionException AsOption(string option, object? value) => new(option, value, $"{VocabularyPath} {Problem}", this);

    /// <summary>This refusal as the <see cref="InvalidDataException"/> the public API documents, in the same words.</summary>
    public InvalidDataException AsDataError() => new(Message, this);

    /// <summary>
    /// The refusal of <paramref name="vocabulary"/>, read from <paramref name="vocabularyPath"/>, which the tokenizer
    /// refused with <paramref name="refused"/>: empty, or without some special token, or else the tokenizer's own words.
    /// </summary>
    public static VocabularyRefusedException Of(string vocabularyPath, byte[] vocabulary, Exception refused)
    {
        if (vocabulary.Length == 0)
            return new(vocabularyPath, $"is empty; a {ModelContract.VocabularyFile} lists the model's WordPiece tokens, one a line", refused);
        // Each token's first line (1-based), and the first token listed twice.
        var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
        (string Token, int First, int Again)? repeated = null;
        // The same decoding as File.ReadLines: UTF-8 unless a byte-order mark says otherwise.
        using (var reader = new StreamReader(new MemoryStream(vocabulary, writable: false)))
            for (int number = 1; reader.ReadLine() is { } line; number++)
            {
                var token = line.TrimEnd('\r');
                if (!tokens.TryAdd(token, number) && token.Length > 0) repeated ??= (token, tokens[token], number);
            }
        var missing = SpecialTokens.Where(token => !tokens.ContainsKey(token)).ToList();
        if (missing.Count > 0)
            return new(vocabularyPath, $"has no {string.Join(", ", missing)} line; a BERT {ModelContract.VocabularyFile} lists its special tokens " +
                $"{string.Join(", ", SpecialTokens)} among its WordPiece tokens, one a line", refused);
        // The tokenizer library refuses a repeated token in its own words (a .NET dictionary's); a token's id is its line.
        if (repeated is { } twice && refused is ArgumentException)
            return new(vocabularyPath, $"lists the token '{twice.Token}' twice, on lines {twice.First} and {twice.Again}; "
                + "each token is one id, the number of its line, so it must be listed once", refused);
        return new(vocabularyPath, $"is not a usable BERT vocabulary: {refused.Message.TrimEnd('.')}", refused);
    }
}
