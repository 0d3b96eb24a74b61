using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Examples;

/// <summary>
/// examples/train-classifier as a user runs it, on a tiny base model: it trains on the CSV shipped beside it through
/// TextClassifierTrainer, exports, and prints a prediction of the exported model for each text.
/// </summary>
public sealed class TrainClassifierAppTests : IDisposable
{
    private readonly TempDirectory _work = new("train-classifier-app");
    private readonly IsolatedChildProcess _app = new(IsolatedChildProcess.TrainClassifierAssemblyPath);

    public void Dispose()
    {
        _app.Dispose();
        _work.Dispose();
    }

    private string[] Args(params string[] texts)
    {
        var baseModel = _work.Combine("base");
        if (!Directory.Exists(baseModel)) TinyBertBuilder.WriteBaseModel(baseModel);
        return ["--base", baseModel, "--output", _work.Combine("model"), "--artifacts", _work.Combine("artifacts"), .. texts];
    }

    [Fact]
    public void TrainsOnItsCsvAndPrintsTheExportedModelsLabelForEachText()
    {
        var run = _app.Run(Args("the service was great", "refund my order"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Training on 36 examples from ", run.Output);
        Assert.Contains("Method: contrastive (auto: the smallest class has 11 training examples, fewer than 64)", run.Output);
        var lines = run.Output.TrimEnd('\n').Split('\n')[^2..];
        using var model = TextClassifier.Load(_work.Combine("model"));
        Assert.Equal(["billing", "praise", "technical"], model.Labels);
        var expected = model.PredictBatch(["the service was great", "refund my order"]);
        Assert.Equal(expected.Select((p, i) => $"{p.Label}\t{p.Score.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}\t{(i == 0 ? "the service was great" : "refund my order")}"), lines);
    }

    [Fact]
    public void AMissingDataFileIsOneErrorLineAndExitCodeTwo()
    {
        var run = _app.Run([.. Args(), "--data", _work.Combine("none.csv")]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {_work.Combine("none.csv")}: no such file\n", run.Error);
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }

    /// <summary>The library's refusal to resume a run on other labels says to pass --replace, the app's switch for ExistingRun.Replace, which then starts over.</summary>
    [Fact]
    public void OtherDataInTheSameArtifactsIsRefusedNamingReplaceWhichStartsANewRun()
    {
        Assert.Equal(0, _app.Run(Args()).ExitCode);
        var other = _work.Combine("other.csv");
        File.WriteAllLines(other, ["text,label", .. Enumerable.Range(0, 8).Select(i => $"message {i},{(i % 2 == 0 ? "yes" : "no")}")]);

        var refused = _app.Run([.. Args(), "--data", other]);
        var replaced = _app.Run([.. Args(), "--data", other, "--replace"]);

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("train with what it has, or pass --replace to start a new run there", refused.Error);
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
        using var model = TextClassifier.Load(_work.Combine("model"));
        Assert.Equal(["no", "yes"], model.Labels);
    }
}
