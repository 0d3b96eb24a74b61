using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// <c>tokenizer_config.json</c>'s <c>strip_accents</c> and <c>tokenize_chinese_chars</c>, read as Hugging Face's
/// BertTokenizer reads them. Until 2026-12-07 both were ignored: accents were stripped exactly when lower-casing and CJK
/// ideographs always set apart, so such a model was fed other token ids than in Python, with no error.
/// </summary>
public sealed class HuggingFaceTokenizerSettingsTests : IDisposable
{
    private readonly TempDirectory _root = new("hf-tokenizer");
    private readonly string _directory;
    private readonly int _accented, _cased, _ideographs, _good, _unknown, _cls, _sep;

    public HuggingFaceTokenizerSettingsTests()
    {
        var export = _root.Combine("export");
        ToyClassifierModel.Write(export, ToyClassifierModel.Sentiment);
        _directory = HuggingFaceLayout.WriteFrom(export, _root.Combine("hf"));
        // Three tokens the toy does not score become ones these settings decide on; the table keeps its rows.
        var vocabulary = ToyClassifierModel.Vocabulary.ToArray();
        _accented = Array.IndexOf(vocabulary, "cheese");
        _cased = Array.IndexOf(vocabulary, "stadium");
        _ideographs = Array.IndexOf(vocabulary, "score");
        vocabulary[_accented] = "goód";
        vocabulary[_cased] = "Good";
        vocabulary[_ideographs] = "你好";
        File.WriteAllLines(Path.Combine(_directory, ModelContract.VocabularyFile), vocabulary);
        _good = Array.IndexOf(vocabulary, "good");
        _unknown = Array.IndexOf(vocabulary, "[UNK]");
        _cls = Array.IndexOf(vocabulary, "[CLS]");
        _sep = Array.IndexOf(vocabulary, "[SEP]");
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void WithoutTheSettingsAccentsGoWithLowerCasingAndIdeographsStandApart()
    {
        using var classifier = Load("""{"do_lower_case": true}""");

        Assert.Null(classifier.Info.StripAccents);
        Assert.True(classifier.Info.IndividuallyTokenizeCjk);
        Assert.Equal([_cls, _good, _sep], classifier.Encoder.Encode("Goód"));
        Assert.Equal([_cls, _unknown, _unknown, _sep], classifier.Encoder.Encode("你好"));
    }

    [Fact]
    public void StripAccentsFalseKeepsThemInALowerCasedText()
    {
        using var classifier = Load("""{"do_lower_case": true, "strip_accents": false}""");

        Assert.False(classifier.Info.StripAccents);
        Assert.Equal([_cls, _accented, _sep], classifier.Encoder.Encode("Goód"));
        Assert.NotEqual(classifier.Predict("goód good").Probabilities, classifier.Predict("good good").Probabilities);
    }

    [Fact]
    public void StripAccentsTrueStripsThemFromACasedText()
    {
        using var classifier = Load("""{"do_lower_case": false, "strip_accents": true}""");

        Assert.Equal([_cls, _cased, _sep], classifier.Encoder.Encode("Goód"));
    }

    [Fact]
    public void TokenizeChineseCharsFalseReadsARunOfIdeographsAsOneWord()
    {
        using var classifier = Load("""{"do_lower_case": true, "tokenize_chinese_chars": false}""");

        Assert.False(classifier.Info.IndividuallyTokenizeCjk);
        Assert.Equal([_cls, _ideographs, _sep], classifier.Encoder.Encode("你好"));
    }

    [Theory]
    [InlineData("""{"strip_accents": "no"}""", "strip_accents must be true, false or null")]
    [InlineData("""{"tokenize_chinese_chars": null}""", "tokenize_chinese_chars must be true or false")]
    public void AValueBertTokenizerCannotMeanIsAModelLoadErrorNamingIt(string tokenizerConfig, string problem)
    {
        var error = Assert.Throws<ModelLoadException>(() => Load(tokenizerConfig));

        Assert.Equal($"{Path.Combine(_directory, ModelContract.TokenizerConfigFile)}: {problem}", error.Message);
    }

    private TextClassifier Load(string tokenizerConfig)
    {
        File.WriteAllText(Path.Combine(_directory, ModelContract.TokenizerConfigFile), tokenizerConfig);
        return TextClassifier.Load(_directory);
    }
}
