namespace OrtAgent.Runtime;

/// <summary>
/// Holds the <c>vocab.txt</c> beside an exported model against what the model records of the vocabulary it was trained
/// with, for every reader of an export's vocabulary: <see cref="TextClassifier"/>'s load, a distillation teacher and the
/// model a run starts from. Where the model records that vocabulary's tokens (<see cref="ClassifierModelInfo.VocabularyTokens"/>),
/// the file must hold exactly as many: a partial copy, cut short, would otherwise be read as the model's and tokenize
/// with the wrong words, since its ids are all rows of the table. Where the model records only its embedding table's
/// rows (<see cref="ClassifierModelInfo.VocabularySize"/>), a vocabulary longer than the table (another model's) is
/// refused, which would otherwise be read and fail on the first text holding one of its extra words; a shorter one is
/// not, since some bases pad their table beyond their vocabulary.
/// </summary>
internal static class VocabularyFit
{
    /// <summary>The question a refusal of another model's vocabulary ends with.</summary>
    internal static string IsItTheVocabulary => $"is it the vocabulary {ModelContract.ModelFile} was trained with?";

    /// <summary>Refuses <paramref name="vocabPath"/> where the model's records say it is not the vocabulary it was trained with.</summary>
    /// <param name="info">What the model records.</param>
    /// <param name="vocabPath">The <c>vocab.txt</c> beside the model, which messages name.</param>
    /// <param name="tokens">Its tokens (<see cref="Text.BertTextEncoder.CountVocabularyTokens(string)"/>).</param>
    /// <returns>Whether the table's rows decided; false when the model does not record them, and only running it can tell.</returns>
    /// <exception cref="ModelLoadException">The file holds other tokens than the model records, or ids beyond its table.</exception>
    internal static bool Require(ClassifierModelInfo info, string vocabPath, int tokens)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.VocabularyTokens is { } trained && tokens != trained)
            throw new ModelLoadException($"{vocabPath}: holds {tokens} tokens, and {ModelContract.ModelFile} was trained with {trained}; "
                + (tokens < trained ? "is it a partial copy, or another model's?" : "is it another model's?"));
        if (info.VocabularySize is not { } rows) return false;
        if (tokens > rows)
            throw new ModelLoadException($"{vocabPath}: holds token ids up to {tokens - 1}, and the model's embedding table has {rows} rows; " + IsItTheVocabulary);
        return true;
    }

    /// <summary>
    /// <see cref="Require(ClassifierModelInfo, string, int)"/> for a reader that has not read the file: reads it and
    /// counts its tokens first. A file that cannot be read is refused as the model's.
    /// </summary>
    /// <param name="info">What the model records.</param>
    /// <param name="directory">The model's directory as the user named it, which a read error names.</param>
    /// <param name="vocabPath">The <c>vocab.txt</c> beside the model.</param>
    /// <returns>The file's bytes, for a caller that tokenizes with them or copies them, so it reads the file once.</returns>
    /// <exception cref="ModelLoadException">The file cannot be read, or the records refuse it.</exception>
    internal static byte[] RequireFile(ClassifierModelInfo info, string directory, string vocabPath)
    {
        byte[] vocabulary;
        try
        {
            vocabulary = File.ReadAllBytes(vocabPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{directory}: {ex.Message}", ex);
        }
        Require(info, vocabPath, Text.BertTextEncoder.CountVocabularyTokens(vocabulary));
        return vocabulary;
    }
}
