using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A Hugging Face model with one logit is scored as transformers' text-classification pipeline scores it: a sigmoid of
/// the logit, unless <c>problem_type</c> is <c>regression</c> (the logit itself). Until 2026-12-07 a softmax over the
/// one logit scored every text 1.
/// </summary>
public sealed class HuggingFaceSingleLogitTests : IDisposable
{
    // The logit of "good" is the mean of [CLS] (0), good (3) and [SEP] (0): 1.
    private static readonly ToyModelSpec OneLogit = new(["positive"], new Dictionary<string, float[]> { ["good"] = [3], ["bad"] = [-3] });

    private readonly TempDirectory _root = new("hf-single-logit");
    private readonly string _directory;

    public HuggingFaceSingleLogitTests()
    {
        var export = _root.Combine("export");
        ToyClassifierModel.Write(export, OneLogit);
        _directory = HuggingFaceLayout.WriteFrom(export, _root.Combine("hf"));
    }

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData(""", "problem_type": "single_label_classification" """)]
    [InlineData("")]
    public void ItsScoreIsTheSigmoidOfTheLogit(string problemType)
    {
        WriteConfig(problemType);
        using var classifier = TextClassifier.Load(_directory);

        Assert.Equal(1f / (1f + MathF.Exp(-1f)), classifier.Predict("good").Score, 6);
        Assert.Equal(1f / (1f + MathF.Exp(1f)), classifier.Predict("bad").Score, 6);
    }

    [Fact]
    public void ARegressionModelsScoreIsTheLogit()
    {
        WriteConfig(""", "problem_type": "regression" """);
        using var classifier = TextClassifier.Load(_directory);

        Assert.Equal(1f, classifier.Predict("good").Score, 6);
        Assert.Equal(-1f, classifier.Predict("bad").Score, 6);
    }

    private void WriteConfig(string problemType) =>
        File.WriteAllText(Path.Combine(_directory, ModelContract.ConfigFile), $$"""{"id2label": {"0": "positive"}{{problemType}}}""");
}
