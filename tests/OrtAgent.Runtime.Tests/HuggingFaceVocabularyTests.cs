using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A Hugging Face model's <c>vocab.txt</c> is held to the graph's embedding table, not to what <c>config.json</c> says
/// of it: until 2026-12-07 a <c>vocab_size</c> raised with the file let a vocabulary longer than the table load, and the
/// first text holding one of its extra words failed inside ONNX Runtime (an internal error; a 500 from serve).
/// </summary>
public sealed class HuggingFaceVocabularyTests : IDisposable
{
    private readonly TempDirectory _root = new("hf-vocabulary");
    private readonly string _directory;

    public HuggingFaceVocabularyTests()
    {
        var export = _root.Combine("export");
        ToyClassifierModel.Write(export, ToyClassifierModel.Sentiment);
        _directory = HuggingFaceLayout.WriteFrom(export, _root.Combine("hf"));
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void AVocabularyLongerThanTheTableIsRefusedWhateverVocabSizeSays()
    {
        var vocabPath = Path.Combine(_directory, ModelContract.VocabularyFile);
        File.AppendAllLines(vocabPath, ["zyzzyva", "extra"]);
        int rows = ToyClassifierModel.Vocabulary.Length;
        File.WriteAllText(Path.Combine(_directory, ModelContract.ConfigFile),
            $$"""{"id2label": {"0": "negative", "1": "positive"}, "vocab_size": {{rows + 2}}}""");

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.StartsWith($"{vocabPath}: the model fails on its last token id, {rows + 1} (", error.Message);
    }

    /// <summary>Until 2026-12-07 said in .NET's words: "An item with the same key has already been added. Key: great".</summary>
    [Fact]
    public void ATokenListedTwiceIsRefusedNamingItsLines()
    {
        var vocabPath = Path.Combine(_directory, ModelContract.VocabularyFile);
        var tokens = ToyClassifierModel.Vocabulary.ToList();
        int first = tokens.IndexOf("great") + 1;
        tokens[tokens.IndexOf("cheese")] = "great";
        File.WriteAllLines(vocabPath, tokens);

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.Equal($"{vocabPath}: lists the token 'great' twice, on lines {first} and {tokens.Count}; "
            + "each token is one id, the number of its line, so it must be listed once", error.Message);
    }

    /// <summary>Until 2026-12-07 "1" and "01" were counted as one label: "3 columns but 2 labels are listed" of three entries.</summary>
    [Fact]
    public void TwoId2LabelKeysNamingOneIdAreRefusedNamingBoth()
    {
        var configPath = Path.Combine(_directory, ModelContract.ConfigFile);
        File.WriteAllText(configPath, """{"id2label": {"0": "negative", "1": "neutral", "01": "positive"}}""");

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(_directory));

        Assert.Equal($"{configPath}: id2label keys \"1\" and \"01\" both name id 1; each id must be listed once", error.Message);
    }
}
