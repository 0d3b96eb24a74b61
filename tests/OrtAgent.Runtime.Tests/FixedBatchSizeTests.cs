using OrtAgent.Tests.Serving;

namespace OrtAgent.Runtime.Tests;

/// <summary>
/// A graph that fixes its batch size in its inputs' shape (2 texts here). It loaded and then failed inside ONNX Runtime
/// on every chunk of another size (its vocabulary check of one text already did). Chunks are now at most that size,
/// and a smaller one is filled up with empty texts whose scores are dropped.
/// </summary>
public sealed class FixedBatchSizeTests : IDisposable
{
    private readonly TempDirectory _directory = new("fixed-batch");

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(32)]
    [InlineData(1)]
    public void ABatchOfAnySizeIsScoredAsByAGraphThatTakesAnySize(int maxBatchSize)
    {
        string fixedBatch = _directory.Combine("fixed"), anyBatch = _directory.Combine("any");
        ToyClassifierModel.Write(fixedBatch, ToyClassifierModel.Sentiment with { BatchSize = 2 });
        ToyClassifierModel.Write(anyBatch, ToyClassifierModel.Sentiment);
        string[] texts = ["great", "awful", "the film was good", "the plot was boring", "i love this book"];
        using var fixedClassifier = TextClassifier.Load(fixedBatch, new TextClassifierOptions { MaxBatchSize = maxBatchSize });
        using var anyClassifier = TextClassifier.Load(anyBatch);

        var predictions = fixedClassifier.PredictBatch(texts);

        Assert.Equal(["positive", "negative", "positive", "negative", "positive"], predictions.Select(p => p.Label));
        // Within float rounding: another batch shape may take another matrix-multiply path.
        foreach (var (expected, actual) in anyClassifier.PredictBatch(texts).Zip(predictions))
            Assert.Equal(expected.Probabilities["positive"], actual.Probabilities["positive"], 6);
        Assert.Equal("negative", fixedClassifier.Predict("bad").Label);
    }
}
