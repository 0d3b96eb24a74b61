using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Export;

/// <summary>
/// <c>explain.onnx</c> built from a <c>model.onnx</c> whose inputs fix the sequence length or the batch size keeps that
/// shape. Predictions were padded to it, explanations were not, and failed inside ONNX Runtime on every text shorter
/// than the fixed length and every run of another count of path points. The toy model is linear in its word
/// embeddings, so attributions are exact: in "the movie was great", "great" carries the whole positive logit, 1.
/// </summary>
public sealed class FixedShapeExplainTests : IDisposable
{
    private readonly TempDirectory _directory = new("fixed-explain");

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(8, null)]
    [InlineData(null, 3)]
    [InlineData(8, 1)]
    public void AFixedShapeModelIsExplainedAsOneThatTakesAnyShape(int? sequenceLength, int? batchSize)
    {
        string fixedShape = _directory.Combine("fixed"), anyShape = _directory.Combine("any");
        ToyClassifierModel.Write(fixedShape, ToyClassifierModel.Sentiment with { SequenceLength = sequenceLength, BatchSize = batchSize });
        ToyClassifierModel.Write(anyShape, ToyClassifierModel.Sentiment);
        ModelExporter.AddExplainGraph(fixedShape);
        ModelExporter.AddExplainGraph(anyShape);
        using var fixedClassifier = TextClassifier.Load(fixedShape);
        using var anyClassifier = TextClassifier.Load(anyShape);
        // 4 points in runs of at most 3: a batch of 3 runs one full and one filled up.
        var options = new ExplainOptions { Steps = 4, MaxPointsPerRun = 3 };

        var explanation = fixedClassifier.Explain("the movie was great", options);

        Assert.Equal("positive", explanation.Label);
        Assert.Equal([0, 0, 0, 1.0], explanation.Words.Select(w => Math.Round(w.Attribution, 4)));
        var expected = anyClassifier.Explain("the movie was great", options);
        Assert.Equal(expected.InputLogit, explanation.InputLogit, 5);
        Assert.Equal(expected.BaselineLogit, explanation.BaselineLogit, 5);
        Assert.Equal(expected.AttributionSum, explanation.AttributionSum, 5);
    }

    /// <summary>A user's explain.onnx that fixes fewer tokens than the model runs could explain only the shorter texts.</summary>
    [Fact]
    public void AnExplainGraphFixingAShorterLengthThanTheModelRunsIsRefusedNamingBoth()
    {
        string shortGraph = _directory.Combine("short"), model = _directory.Combine("model");
        ToyClassifierModel.Write(shortGraph, ToyClassifierModel.Sentiment with { SequenceLength = 8 });
        ModelExporter.AddExplainGraph(shortGraph);
        ToyClassifierModel.Write(model, ToyClassifierModel.Sentiment);
        File.Copy(Path.Combine(shortGraph, ModelContract.ExplainModelFile), Path.Combine(model, ModelContract.ExplainModelFile));
        using var classifier = TextClassifier.Load(model);

        var error = Assert.Throws<ExplainGraphUnavailableException>(() => classifier.Explain("great"));

        Assert.Equal(ExplainGraphRemedy.Rebuild, error.Remedy);
        Assert.Equal($"{Path.Combine(model, ModelContract.ExplainModelFile)}: its inputs fix a sequence length of 8, shorter than the 32 tokens texts are cut to " +
            "for model.onnx, so it cannot explain a text that long", error.Problem);
        Assert.Throws<ExplainGraphUnavailableException>(classifier.CheckExplainer);
    }
}
