using OrtAgent.Runtime;

namespace OrtAgent.Tests.Inference;

/// <summary>
/// What <c>export --quantize int8</c> buys and costs on the tiny model: a smaller <c>model.onnx</c> that the runtime
/// loads and that agrees with fp32 on most labels. (The minilm and SpamAssassin figures are measured separately.)
/// </summary>
[Collection(TinyClassifierCollection.Name)]
public sealed class Int8ExportTests(TinyClassifierFixture model)
{
    [Fact]
    public void Int8ModelIsSmallerLoadsAndAgreesWithFp32OnMostLabels()
    {
        long fp32Bytes = new FileInfo(Path.Combine(model.ModelDirectory, "model.onnx")).Length;
        long int8Bytes = new FileInfo(Path.Combine(model.Int8ModelDirectory, "model.onnx")).Length;
        Assert.True(int8Bytes < fp32Bytes * 0.6, $"int8 {int8Bytes} bytes vs fp32 {fp32Bytes} bytes");

        using var fp32 = TextClassifier.Load(model.ModelDirectory);
        using var int8 = TextClassifier.Load(model.Int8ModelDirectory);
        Assert.Equal(fp32.Labels, int8.Labels);
        var a = fp32.PredictBatch(TinyClassifierFixture.Texts);
        var b = int8.PredictBatch(TinyClassifierFixture.Texts);
        int agree = a.Zip(b).Count(p => p.First.Label == p.Second.Label);
        double maxDifference = a.Zip(b).Max(p => fp32.Labels.Max(l => Math.Abs(p.First.Probabilities[l] - p.Second.Probabilities[l])));
        Assert.True(agree >= a.Count * 0.75, $"int8 agrees with fp32 on {agree}/{a.Count} labels (largest probability difference {maxDifference:F4})");
    }
}
