using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// An export records its word-embedding table's rows, so that a <c>vocab.txt</c> longer than the table (another
/// model's) is refused at load by a comparison: the CUDA provider reads an out-of-range row as zeros, so running the
/// last id through the model, the check for exports without the record, would pass there and every such word would
/// score as nothing.
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class VocabularySizeTests(TinyClassifierFixture model)
{
    [Fact]
    public void AnExportRecordsTheRowsOfItsWordEmbeddingTable()
    {
        var baseModel = OnnxModel.Load(Path.Combine(model.BaseModelDirectory, ModelContract.ModelFile));
        int rows = (int)baseModel.Graph.Initializers.Single(v => v.Name == "embeddings.word_embeddings.weight").Initializer!.Dims[0];
        foreach (var directory in new[] { model.ModelDirectory, model.Int8ModelDirectory })
        {
            using var classifier = TextClassifier.Load(directory);

            Assert.Equal(rows, classifier.Info.VocabularySize);
            Assert.Equal($"{rows}", OnnxModel.Load(Path.Combine(directory, ModelContract.ModelFile)).Metadata[ModelContract.VocabularySizeKey]);
        }
    }

    /// <summary>
    /// The table's rows cannot tell a <c>vocab.txt</c> cut short (a partial copy) from a table padded beyond its
    /// vocabulary, so the export also records the tokens of the vocabulary it was trained with, which the load holds
    /// <c>vocab.txt</c> to.
    /// </summary>
    [Fact]
    public void AnExportRecordsTheTokensOfItsVocabulary()
    {
        foreach (var directory in new[] { model.ModelDirectory, model.Int8ModelDirectory })
        {
            int lines = File.ReadAllLines(Path.Combine(directory, ModelContract.VocabularyFile)).Length;
            using var classifier = TextClassifier.Load(directory);

            Assert.Equal(lines, classifier.Info.VocabularyTokens);
            Assert.Equal($"{lines}", OnnxModel.Load(Path.Combine(directory, ModelContract.ModelFile)).Metadata[ModelContract.VocabularyTokensKey]);
        }
    }

    [Fact]
    public void AVocabularyBeyondTheRecordedRowsIsRefusedWithoutRunningTheModel()
    {
        using var work = new TempDirectory("vocabulary-size");
        var directory = model.CopyModelTo(work.Combine("m"));
        int largestId = File.ReadAllLines(Path.Combine(directory, ModelContract.VocabularyFile)).Length - 1;
        // One row fewer than vocab.txt needs, and fewer than the table has: the model itself would run the last id.
        Record(directory, $"{largestId}");

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(directory));

        Assert.Equal($"{Path.Combine(directory, ModelContract.VocabularyFile)}: holds token ids up to {largestId}, and the model's embedding table has {largestId} rows; "
            + "is it the vocabulary model.onnx was trained with?", error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("many")]
    [InlineData("99999999999")]
    public void ARecordedSizeThatIsNoPositiveCountIsMalformedMetadata(string recorded)
    {
        using var work = new TempDirectory("vocabulary-size");
        var directory = model.CopyModelTo(work.Combine("m"));
        Record(directory, recorded);

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(directory));

        Assert.Contains($"{Path.Combine(directory, ModelContract.ModelFile)}: malformed OrtAgent metadata:", error.Message);
        Assert.Contains(ModelContract.VocabularySizeKey, error.Message);
    }

    private static void Record(string directory, string rows)
    {
        var path = Path.Combine(directory, ModelContract.ModelFile);
        var onnx = OnnxModel.Load(path);
        onnx.Metadata[ModelContract.VocabularySizeKey] = rows;
        onnx.Save(path);
    }
}
