namespace OrtAgent.Runtime;

/// <summary>
/// Holds the <c>vocab.txt</c> beside an exported model against what the model records of the vocabulary it was trained
/// with, for every reader of an export's vocabulary: <see cref="TextClassifier"/>'s load, a distillation teacher and the
/// model a run starts from. Where the model records that vocabulary's tokens (<see cref="ClassifierModelInfo.VocabularyTokens"/>),
/// the file must hold exactly as many: a partial copy, cut short, would otherwise be read as the model's and tokenize
/// with the wrong words, since its ids are all rows of the table. Where the model records only its embedding table's
/// rows (<see cref="ClassifierModelInfo.VocabularySize"/>), a vocabulary longer than the table (another model's) is
/// refused, which would otherwise be read and fail on the first text holding one of its extra words; a shorter one is
/// not, since some bases pad their table beyond their vocabulary. Where the model records the SHA-256 of the tokens
/// (<see cref="ClassifierModelInfo.VocabularySha256"/>), the file must hash to it: another vocabulary of the same size, or
/// the same tokens reordered, passes the count and would give every text the wrong ids.
/// </summary>
internal static class VocabularyFit
{
    /// <summary>The question a refusal of another model's vocabulary ends with.</summary>
    internal static string IsItTheVocabulary => $"is it the vocabulary {ModelContract.ModelFile} was trained with?";

    /// <summary>Refuses <paramref name="vocabPath"/> where the model's records say it is not the vocabulary it was trained with.</summary>
    /// <param name="info">What the model records.</param>
    /// <param name="vocabPath">The <c>vocab.txt</c> beside the model, which messages name.</param>
    /// <param name="vocabulary">Its bytes.</param>
    /// <param name="tokens">Its tokens (<see cref="Text.BertTextEncoder.CountVocabularyTokens(string)"/>).</param>
    /// <returns>Whether the table's rows decided; false when the model does not record them, and only running it can tell.</returns>
    /// <exception cref="ModelLoadException">The file holds other tokens than the model records, or ids beyond its table.</exception>
    internal static bool Require(ClassifierModelInfo info, string vocabPath, byte[] vocabulary, int tokens)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.VocabularyTokens is { } trained && tokens != trained)
            throw new ModelLoadException($"{vocabPath}: holds {tokens} tokens, and {ModelContract.ModelFile} was trained with {trained}; "
                + (tokens < trained ? "is it a partial copy, or another model's?" : "is it another model's?"));
        if (info.VocabularySha256 is { } recorded && DigestOf(vocabulary) != recorded)
            throw new ModelLoadException($"{vocabPath}: is not the vocabulary {ModelContract.ModelFile} was trained with: its tokens are not the ones, "
                + $"in the order, whose SHA-256 the model records ('{ModelContract.VocabularySha256Key}'), so the model would read every text through "
                + "the wrong ids; is it another model's, or an edited copy?");
        if (info.VocabularySize is not { } rows) return false;
        if (tokens > rows)
            throw new ModelLoadException($"{vocabPath}: holds token ids up to {tokens - 1}, and the model's embedding table has {rows} rows; " + IsItTheVocabulary);
        return true;
    }

    /// <summary>
    /// The SHA-256 of a <c>vocab.txt</c>'s tokens (<see cref="ClassifierModelInfo.VocabularySha256"/>), lower-case hex:
    /// its lines as a reader of the vocabulary reads them (UTF-8 unless a byte-order mark says otherwise, any line ending),
    /// each as UTF-8 and a line feed, up to the last that is not blank, since the ids are the lines' places and blank
    /// lines at the end are no tokens.
    /// </summary>
    internal static string DigestOf(byte[] vocabulary)
    {
        using var reader = new StreamReader(new MemoryStream(vocabulary, writable: false));
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        // Blank lines are held until a token follows them: between tokens they are ids, after the last they are nothing.
        int blankLines = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                blankLines++;
                continue;
            }
            for (; blankLines > 0; blankLines--) sha.AppendData("\n"u8);
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(line));
            sha.AppendData("\n"u8);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Whether <paramref name="text"/> is a digest as <see cref="DigestOf"/> writes it: 64 lower-case hex digits.</summary>
    internal static bool IsDigest(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// <see cref="Require(ClassifierModelInfo, string, byte[], int)"/> for a reader that has not read the file: reads it and
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
            vocabulary = ModelFolderFile.ReadAllBytes(vocabPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{directory}: {ex.Message}", ex);
        }
        Require(info, vocabPath, vocabulary, Text.BertTextEncoder.CountVocabularyTokens(vocabulary));
        return vocabulary;
    }
}
