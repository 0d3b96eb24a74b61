using System.Text.Json;
using OrtAgent.Inference;
using OrtAgent.Runtime;
using OrtAgent.Tests.Serving;

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

    /// <summary>
    /// One text gets one answer whatever it is batched with. The int8 MatMuls used to quantize their activations with
    /// one scale for the whole batch tensor (<c>DynamicQuantizeMatMul</c>), so a text's probabilities moved when a
    /// longer, different text shared its batch (by about 0.01 on a trained minilm); on a server, one client's answer
    /// depended on another client's request. The fixture's head is scaled up, so its probabilities sit near 0 and 1:
    /// the test compares log-probabilities, where float summation order moves fp32 by about 2e-6 and the old int8
    /// graph by about 1e-2.
    /// </summary>
    [Fact]
    public void AnInt8ModelGivesATextTheSameProbabilitiesAloneAndInAnyBatch()
    {
        const string text = "the movie was great";
        string[] others =
        [
            "I hate it. I hate it. I hate it. terrible service, never again! zebra quixotic, the food was bad and the staff were slow",
            "good",
        ];
        foreach (var directory in new[] { model.ModelDirectory, model.Int8ModelDirectory })
        {
            using var classifier = TextClassifier.Load(directory);
            var alone = classifier.Predict(text);
            foreach (var other in others)
                foreach (var batch in new[] { new[] { text, other }, new[] { other, text, other } })
                {
                    var batched = classifier.PredictBatch(batch)[Array.IndexOf(batch, text)];
                    foreach (var label in classifier.Labels)
                    {
                        double difference = Math.Abs(Math.Log(alone.Probabilities[label]) - Math.Log(batched.Probabilities[label]));
                        Assert.True(difference <= 1e-4,
                            $"{Path.GetFileName(directory)}: p({label}) of '{text}' is {alone.Probabilities[label]:G7} alone, " +
                            $"{batched.Probabilities[label]:G7} batched with '{other}'");
                    }
                }
        }
    }

    /// <summary>
    /// An int8 export used to look like any other to its readers, so a server on CUDA could not tell that its MatMuls
    /// ran on the CPU (8-14x slower than fp32 on an H200). It now records int8; fp32 exports record nothing new.
    /// </summary>
    [Fact]
    public async Task AnInt8ExportRecordsItsWeightsAndIsWarnedOfOnCuda()
    {
        using var fp32 = TextClassifier.Load(model.ModelDirectory);
        using var int8 = TextClassifier.Load(model.Int8ModelDirectory);
        Assert.Equal(ModelWeights.Float32, fp32.Info.Weights);
        Assert.Equal(ModelWeights.Int8, int8.Info.Weights);
        Assert.Equal("fp32", OrtAgent.Onnx.OnnxModel.Load(Path.Combine(model.ModelDirectory, "model.onnx")).Metadata[ModelContract.WeightsKey]);

        Assert.Contains("holds int8 weights, verified on ONNX Runtime's CPU provider only", Int8OnGpu.Warning("m", int8.Info, ExecutionDevice.Cuda));
        Assert.Null(Int8OnGpu.Warning("m", int8.Info, ExecutionDevice.Cpu));
        Assert.Null(Int8OnGpu.Warning("m", fp32.Info, ExecutionDevice.Cuda));

        await using (var server = await ServerUnderTest.StartAsync(_ => ServerUnderTest.Options(model.Int8ModelDirectory)))
        {
            using var info = JsonDocument.Parse(await (await server.GetAsync("/info")).Content.ReadAsStringAsync());
            Assert.Equal("int8", info.RootElement.GetProperty("weights").GetString());
        }

        // An export from before the entry existed says nothing, and /info does not guess (its int8 ones would read as fp32).
        using var work = new TempDirectory("weights");
        var older = model.CopyModelTo(work.Combine("older"));
        var onnx = OrtAgent.Onnx.OnnxModel.Load(Path.Combine(older, "model.onnx"));
        onnx.Metadata.Remove(ModelContract.WeightsKey);
        onnx.Save(Path.Combine(older, "model.onnx"));
        // Nor did its explain.onnx record the model.onnx it was built beside (the edit above changed those bytes).
        var explain = OrtAgent.Onnx.OnnxModel.Load(Path.Combine(older, "explain.onnx"));
        Assert.True(explain.Metadata.Remove(OrtAgent.Runtime.Explanations.ExplainGraphNames.ModelDigestMetadata));
        explain.Save(Path.Combine(older, "explain.onnx"));
        using (var classifier = TextClassifier.Load(older)) Assert.Null(classifier.Info.Weights);
        await using (var server = await ServerUnderTest.StartAsync(_ => ServerUnderTest.Options(older)))
        {
            using var info = JsonDocument.Parse(await (await server.GetAsync("/info")).Content.ReadAsStringAsync());
            Assert.Equal("unrecorded", info.RootElement.GetProperty("weights").GetString());
        }
    }

    [Fact]
    public void AWeightsEntryOtherThanInt8IsMalformedMetadata()
    {
        using var work = new TempDirectory("weights");
        var directory = model.CopyModelTo(work.Combine("m"));
        var onnx = OrtAgent.Onnx.OnnxModel.Load(Path.Combine(directory, "model.onnx"));
        onnx.Metadata[ModelContract.WeightsKey] = "fp16";
        onnx.Save(Path.Combine(directory, "model.onnx"));

        var error = Assert.Throws<ModelLoadException>(() => TextClassifier.Load(directory));
        Assert.Contains("malformed OrtAgent metadata: 'ortagent.weights' is 'fp16', neither 'fp32' nor 'int8'", error.Message);
    }
}
