using OrtAgent.Onnx;
using OrtAgent.Runtime.Text;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A model that records the tokens of the <c>vocab.txt</c> it was trained with (<see cref="ModelContract.VocabularyTokensKey"/>)
/// loads beside no other count. Only a longer <c>vocab.txt</c> than the embedding table was refused, so a partial copy,
/// cut short, loaded and predicted from the wrong words: all its ids are rows of the table. The table's rows cannot be
/// held to the count instead, since some bases pad the table beyond their vocabulary (NVIDIA's BERT: 30528 rows, 30522 tokens).
/// </summary>
public sealed class VocabularyTokensTests : IDisposable
{
    private static readonly int Tokens = ToyClassifierModel.Vocabulary.Length;

    private readonly TempDirectory _directory = new("vocabulary-tokens");

    public VocabularyTokensTests() => ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);

    public void Dispose() => _directory.Dispose();

    private string VocabPath => _directory.Combine(ModelContract.VocabularyFile);

    [Fact]
    public void AVocabularyCutShortOfTheRecordedTokensIsAModelLoadError()
    {
        Record((ModelContract.VocabularySizeKey, $"{Tokens}"), (ModelContract.VocabularyTokensKey, $"{Tokens}"));
        File.WriteAllLines(VocabPath, ToyClassifierModel.Vocabulary.Take(30));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{VocabPath}: holds 30 tokens, and model.onnx was trained with {Tokens}; is it a partial copy, or another model's?", error.Message);
    }

    [Fact]
    public void AVocabularyBeyondTheRecordedTokensIsAModelLoadErrorThoughTheTableHoldsIt()
    {
        // Recorded as trained with 40 tokens of the table's 45 rows: the whole file fits the table, so only the count tells.
        Record((ModelContract.VocabularySizeKey, $"{Tokens}"), (ModelContract.VocabularyTokensKey, "40"));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{VocabPath}: holds {Tokens} tokens, and model.onnx was trained with 40; is it another model's?", error.Message);
    }

    [Fact]
    public void TheRecordedTokensLoadAndBlankLinesAtTheEndAreNoTokens()
    {
        Record((ModelContract.VocabularySizeKey, $"{Tokens}"), (ModelContract.VocabularyTokensKey, $"{Tokens}"));
        File.AppendAllText(VocabPath, "\n\n");

        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal(Tokens, classifier.Info.VocabularyTokens);
        Assert.Equal("positive", classifier.Predict("the movie was great").Label);
    }

    /// <summary>A table padded beyond its vocabulary records more rows than tokens: the tokens recorded are the ones to hold.</summary>
    [Fact]
    public void AVocabularyShorterThanAPaddedTableLoadsWhenItHoldsTheRecordedTokens()
    {
        File.WriteAllLines(VocabPath, ToyClassifierModel.Vocabulary.Take(40));
        Record((ModelContract.VocabularySizeKey, $"{Tokens}"), (ModelContract.VocabularyTokensKey, "40"));

        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Equal("positive", classifier.Predict("the movie was great").Label);
    }

    /// <summary>
    /// With only the table's rows recorded (exports of 2026-12-05, and Hugging Face's <c>config.json</c> vocab_size), a
    /// shorter vocabulary cannot be told from a padded table's, so it still loads; only a longer one is refused.
    /// </summary>
    [Fact]
    public void WithOnlyTheTableRowsRecordedAShorterVocabularyStillLoads()
    {
        File.WriteAllLines(VocabPath, ToyClassifierModel.Vocabulary.Take(40));
        Record((ModelContract.VocabularySizeKey, $"{Tokens}"));

        using var classifier = TextClassifier.Load(_directory.Path);

        Assert.Null(classifier.Info.VocabularyTokens);
        Assert.Equal(Tokens, classifier.Info.VocabularySize);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("many")]
    [InlineData("99999999999")]
    public void ARecordedTokenCountThatIsNoPositiveCountIsMalformedMetadata(string recorded)
    {
        Record((ModelContract.VocabularyTokensKey, recorded));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory.Path));

        Assert.Equal($"{_directory.Combine(ModelContract.ModelFile)}: malformed OrtAgent metadata: '{ModelContract.VocabularyTokensKey}' is '{recorded}', not a positive count of tokens",
            error.Message);
    }

    [Fact]
    public void TheTokensOfAVocabularyAreItsLinesUpToTheLastThatIsNotBlank()
    {
        File.WriteAllText(VocabPath, "[PAD]\n\n[UNK]\n\n\n");

        // The blank line between is a line index, so an id: [UNK] is id 2.
        Assert.Equal(3, BertTextEncoder.CountVocabularyTokens(VocabPath));
    }

    private void Record(params (string Key, string Value)[] entries)
    {
        var path = _directory.Combine(ModelContract.ModelFile);
        var model = OnnxModel.Load(path);
        foreach (var (key, value) in entries) model.Metadata[key] = value;
        model.Save(path);
    }
}
