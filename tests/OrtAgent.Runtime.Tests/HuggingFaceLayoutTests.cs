using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// <see cref="TextClassifier"/> and <see cref="ModelContract"/> on a classifier directory in the Hugging Face layout:
/// the toy classifier's export rewritten without OrtAgent metadata, with <c>logits</c> as its only output, and with
/// config.json and tokenizer_config.json beside it.
/// </summary>
public sealed class HuggingFaceLayoutTests : IDisposable
{
    private static readonly string[] Texts = ["The movie was GREAT", "bad", "the plot was boring and the acting was terrible", "a pizza", "good good bad"];

    private readonly TempDirectory _root = new("hf-layout");
    private readonly string _export;
    private readonly string _directory;

    public HuggingFaceLayoutTests()
    {
        _export = _root.Combine("export");
        ToyClassifierModel.Write(_export, ToyClassifierModel.Sentiment);
        _directory = HuggingFaceLayout.WriteFrom(_export, _root.Combine("hf"));
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void ItClassifiesExactlyAsTheOrtAgentExportDoes()
    {
        using var export = TextClassifier.Load(_export);
        using var huggingFace = TextClassifier.Load(_directory);

        var expected = export.PredictBatch(Texts);
        var actual = huggingFace.PredictBatch(Texts);

        Assert.Equal(export.Labels, huggingFace.Labels);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label);
            Assert.Equal(expected[i].Logits, actual[i].Logits);
            // The export's softmax ran in ONNX Runtime, this one in C#: equal to float rounding.
            foreach (var label in export.Labels)
                Assert.Equal(expected[i].Probabilities[label], actual[i].Probabilities[label], 6);
        }
    }

    [Fact]
    public void LabelsCasingAndMaxLengthComeFromTheConfigFiles()
    {
        File.WriteAllText(Path.Combine(_directory, ModelContract.ConfigFile),
            """{"_name_or_path": "someone/sentiment-bert", "id2label": {"1": "pos", "0": "neg"}, "max_position_embeddings": 16}""");
        File.WriteAllText(Path.Combine(_directory, ModelContract.TokenizerConfigFile),
            """{"do_lower_case": false, "model_max_length": 1000000000000000019884624838656}""");

        using var classifier = TextClassifier.Load(_directory);

        Assert.Equal(["neg", "pos"], classifier.Labels);
        Assert.False(classifier.Info.LowerCase);
        Assert.Equal(16, classifier.Info.MaxLength);   // the tokenizer sets no real limit; the position table does
        Assert.Equal("someone/sentiment-bert", classifier.Info.BaseModel);
        Assert.Equal(ModelContract.SingleLabel, classifier.Info.Problem);
        Assert.Empty(classifier.Info.Metrics);
        // Cased: "GREAT" is not in the vocabulary, so only [CLS] and [SEP] remain to score.
        Assert.Equal(0.5f, classifier.Predict("GREAT").Score, 5);
    }

    /// <summary>
    /// A config.json or tokenizer_config.json that was a named pipe was read, and the load waited for a writer with
    /// nothing said (model.onnx and vocab.txt were refused already); bounded, as the build before waited forever.
    /// </summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData(ModelContract.ConfigFile)]
    [InlineData(ModelContract.TokenizerConfigFile)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task AConfigFileThatIsAFifoIsRefusedAtOnce(string file)
    {
        File.Delete(Path.Combine(_directory, file));
        using var fifo = NotARegularFile.Create(Path.Combine(_directory, file), NotARegularFile.Fifo);

        var refused = await Assert.ThrowsAsync<ModelLoadException>(() => Task.Run(() => TextClassifier.Load(_directory)).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal($"{fifo.Path}: is not a regular file (a FIFO); a model's {file} is a file", refused.Message);
    }

    [Fact]
    public void AMultiLabelModelGetsASigmoidPerLabel()
    {
        File.WriteAllText(Path.Combine(_directory, ModelContract.ConfigFile),
            """{"id2label": {"0": "negative", "1": "positive"}, "problem_type": "multi_label_classification"}""");

        using var classifier = TextClassifier.Load(_directory);
        var prediction = classifier.Predict("bad");

        // [CLS] bad [SEP]: logits (2, 0).
        Assert.Equal(1 / (1 + MathF.Exp(-2f)), prediction.Probabilities["negative"], 5);
        Assert.Equal(0.5f, prediction.Probabilities["positive"], 5);
    }

    [Theory]
    [InlineData("config.json", "{not json", "config.json: not valid JSON")]
    [InlineData("config.json", "[1, 2]", "config.json: not a JSON object")]
    [InlineData("config.json", """{"num_labels": 2}""", "config.json: has no id2label")]
    [InlineData("config.json", """{"id2label": {}}""", "config.json: id2label is empty")]
    [InlineData("config.json", """{"id2label": {"0": "a", "2": "b"}}""", "config.json: id2label must number its labels 0 to 1")]
    [InlineData("config.json", """{"id2label": {"zero": "a"}}""", "config.json: id2label entry \"zero\"")]
    [InlineData("config.json", """{"id2label": {"0": "NEG", "1": "NEG"}}""", "config.json: id2label: the label 'NEG' names two outputs")]
    [InlineData("config.json", """{"id2label": {"0": "a", "1": " "}}""", "config.json: id2label: a label name is empty")]
    [InlineData("config.json", """{"id2label": {"0": "a", "1": "b\tc"}}""", "config.json: id2label: a label name holds the control character U+0009")]
    [InlineData("config.json", """{"id2label": {"0": "a", "1": "b"}, "problem_type": "ranking"}""", "config.json: problem_type 'ranking'")]
    [InlineData("config.json", """{"id2label": {"0": "a", "1": "b"}, "max_position_embeddings": "long"}""", "config.json: max_position_embeddings must be")]
    [InlineData("config.json", """{"id2label": {"0": "a", "1": "b"}, "vocab_size": 0}""", "config.json: vocab_size must be")]
    [InlineData("tokenizer_config.json", """{"do_lower_case": "yes"}""", "tokenizer_config.json: do_lower_case must be true or false")]
    [InlineData("tokenizer_config.json", """{"model_max_length": 1}""", "tokenizer_config.json: model_max_length must be")]
    public void AMalformedConfigFileIsAModelLoadErrorNamingIt(string file, string content, string message)
    {
        File.WriteAllText(Path.Combine(_directory, file), content);

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.Contains(Path.Combine(_directory, message), error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    /// <summary>Broken JSON in config.json is said in plain words with where it broke, not System.Text.Json's own message.</summary>
    [Fact]
    public void BrokenJsonInConfigIsSaidInPlainWordsWithWhere()
    {
        var path = Path.Combine(_directory, ModelContract.ConfigFile);
        File.WriteAllText(path, "{\n  \"id2label\": {\"0\": \"a\",}\n}");

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.Equal($"{path}: not valid JSON: a comma is followed by nothing (a trailing comma) (at line 2, byte 24)", error.Message);
    }

    /// <summary>
    /// config.json's <c>vocab_size</c> is the embedding table's rows: a longer vocab.txt is refused by it, with no run of
    /// the model (the CUDA provider would read the missing rows as zeros). Here the config claims one row fewer than the
    /// toy table has, which the model itself would not refuse.
    /// </summary>
    [Fact]
    public void AVocabularyBeyondConfigVocabSizeIsAModelLoadError()
    {
        int rows = ToyClassifierModel.Vocabulary.Length;
        var config = Path.Combine(_directory, ModelContract.ConfigFile);
        File.WriteAllText(config, """{"id2label": {"0": "negative", "1": "positive"}, "vocab_size": VOCAB}""".Replace("VOCAB", $"{rows}"));
        using (var fits = TextClassifier.Load(_directory)) Assert.Equal(rows, fits.Info.VocabularySize);

        File.WriteAllText(config, """{"id2label": {"0": "negative", "1": "positive"}, "vocab_size": VOCAB}""".Replace("VOCAB", $"{rows - 1}"));
        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.Equal($"{Path.Combine(_directory, ModelContract.VocabularyFile)}: holds token ids up to {rows - 1}, and the model's embedding table has {rows - 1} rows; "
            + "is it the vocabulary model.onnx was trained with?", error.Message);
    }

    [Fact]
    public void ThreeLabelsForTwoLogitsIsAModelLoadError()
    {
        File.WriteAllText(Path.Combine(_directory, ModelContract.ConfigFile), """{"id2label": {"0": "a", "1": "b", "2": "c"}}""");

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.Contains("output 'logits' has 2 columns but 3 labels are listed", error.Message);
    }

    [Fact]
    public void AMissingTokenizerConfigIsAModelLoadErrorNamingIt()
    {
        File.Delete(Path.Combine(_directory, ModelContract.TokenizerConfigFile));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.Contains("no tokenizer_config.json beside config.json", error.Message);
    }

    [Fact]
    public void WithoutConfigJsonAModelWithoutMetadataIsNeitherLayout()
    {
        File.Delete(Path.Combine(_directory, ModelContract.ConfigFile));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.Contains("has no OrtAgent metadata and no config.json beside it", error.Message);
    }
}
