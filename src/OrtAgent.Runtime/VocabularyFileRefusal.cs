namespace OrtAgent.Runtime;

/// <summary>
/// A <c>vocab.txt</c> the tokenizer refused, said in the file's terms. Microsoft.ML.Tokenizers reports an empty file,
/// or one without BERT's special tokens, as "The special token '[UNK]' is not in the vocabulary.", which names neither
/// the file nor what is wrong with it.
/// </summary>
internal static class VocabularyFileRefusal
{
    private static readonly string[] SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    /// <summary>
    /// The refusal of <paramref name="vocabPath"/>, which the tokenizer refused with <paramref name="refused"/>: empty, or
    /// without some special token, or else the tokenizer's own words. The file is read again only here, on the way out.
    /// </summary>
    public static ModelLoadException Of(string vocabPath, InvalidDataException refused)
    {
        try
        {
            if (new FileInfo(vocabPath).Length == 0)
                return new ModelLoadException($"{vocabPath}: is empty; a {ModelContract.VocabularyFile} lists the model's WordPiece tokens, one a line", refused);
            var tokens = File.ReadLines(vocabPath).Select(line => line.TrimEnd('\r')).ToHashSet(StringComparer.Ordinal);
            var missing = SpecialTokens.Where(token => !tokens.Contains(token)).ToList();
            if (missing.Count > 0)
                return new ModelLoadException($"{vocabPath}: has no {string.Join(", ", missing)} line; a BERT {ModelContract.VocabularyFile} lists its special tokens " +
                    $"{string.Join(", ", SpecialTokens)} among its WordPiece tokens, one a line", refused);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable now: the tokenizer's words are all there is to say.
        }
        return new ModelLoadException(refused.Message, refused);
    }
}
