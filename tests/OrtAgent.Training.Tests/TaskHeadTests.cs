using OrtAgent.Onnx;
using OrtAgent.Training.Heads;

namespace OrtAgent.Training.Tests;

[Collection(MiniLmCollection.Name)]
public class TaskHeadTests(PackagedEncoders miniLm)
{
    private const int Batch = 2, Sequence = 5, Hidden = 384;

    // Row 0 has 5 real tokens, row 1 has 3 and 2 padding positions.
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];

    private static Dictionary<string, TensorData> Batch2(bool training, float ratio) => new()
    {
        ["input_ids"] = TensorData.Create<long>([Batch, Sequence], [101, 7592, 2088, 999, 102, 101, 2204, 102, 0, 0]),
        ["attention_mask"] = TensorData.Create<long>([Batch, Sequence], Mask),
        ["token_type_ids"] = TensorData.Zeros(ElementType.Int64, [Batch, Sequence]),
        ["dropout_ratio"] = TensorData.Scalar(ratio),
        ["training_mode"] = TensorData.Create<bool>([], [training]),
    };

    private (OnnxRunner Runner, BertEncoderGraph Encoder, ClassifierHead Head) BuildMiniLm(PoolingMode pooling)
    {
        var model = OnnxModel.Load(miniLm.MiniLmPath);
        model.Graph.OpsetVersion = 17;
        model.IrVersion = 8;
        var encoder = BertEncoderGraph.Attach(model.Graph);
        var head = TaskHeadBuilder.Append(encoder, new ClassifierHeadOptions { NumLabels = 3, Pooling = pooling, Seed = 7 }, HeadDropout.GraphInputs);
        GraphOutputs.Expose(model.Graph, head.Logits, "logits", ElementType.Float, null);
        GraphOutputs.Expose(model.Graph, head.Pooled, "pooled", ElementType.Float, null);
        return (OnnxRunner.FromModel(model), encoder, head);
    }

    [Fact]
    public void MiniLmIsRecognisedAndItsLinearWeightsGetPyTorchNames()
    {
        var model = OnnxModel.Load(miniLm.MiniLmPath);
        var encoder = BertEncoderGraph.Attach(model.Graph);
        Assert.Equal(Hidden, encoder.HiddenSize);
        Assert.NotNull(encoder.PoolerOutput);
        Assert.NotNull(encoder.TokenTypeIds);
        Assert.Equal(36, encoder.RenamedWeights); // 6 layers × (query, key, value, attention output, intermediate, output)
        var names = model.Graph.Initializers.Select(v => v.Name).ToHashSet();
        Assert.Contains("encoder.layer.0.attention.self.query.weight", names);
        Assert.Contains("encoder.layer.5.output.dense.weight", names);
        Assert.Equal([1536L, 384L], model.Graph.Initializers.Single(v => v.Name == "encoder.layer.3.output.dense.weight").Initializer!.Dims);
    }

    [Fact]
    public void MeanPoolingAveragesRealTokensAndTheLinearLayerAppliesWeights()
    {
        var (runner, _, head) = BuildMiniLm(PoolingMode.Mean);
        using (runner)
        {
            var outputs = runner.Run(Batch2(training: false, ratio: 0.1f), ["logits", "pooled", "last_hidden_state"]);
            var hidden = outputs["last_hidden_state"].ToDoubles();
            var pooled = outputs["pooled"].ToDoubles();
            for (int b = 0; b < Batch; b++)
            {
                int count = Mask.Skip(b * Sequence).Take(Sequence).Count(m => m == 1);
                for (int h = 0; h < Hidden; h += 37)
                {
                    double expected = Enumerable.Range(0, count).Sum(s => hidden[(b * Sequence + s) * Hidden + h]) / count;
                    Assert.Equal(expected, pooled[b * Hidden + h], 4);
                }
            }
            AssertLogitsAreLinear(head, pooled, outputs["logits"].ToDoubles());
        }
    }

    [Fact]
    public void ClsPoolingTakesTheFirstToken()
    {
        var (runner, _, _) = BuildMiniLm(PoolingMode.Cls);
        using (runner)
        {
            var outputs = runner.Run(Batch2(false, 0.1f), ["pooled", "last_hidden_state"]);
            var hidden = outputs["last_hidden_state"].ToDoubles();
            var pooled = outputs["pooled"].ToDoubles();
            for (int b = 0; b < Batch; b++)
                for (int h = 0; h < Hidden; h++)
                    Assert.Equal(hidden[b * Sequence * Hidden + h], pooled[b * Hidden + h], 6);
        }
    }

    [Fact]
    public void PoolerPoolingUsesTheBasesPoolerOutput()
    {
        var (runner, encoder, _) = BuildMiniLm(PoolingMode.Pooler);
        using (runner)
        {
            var outputs = runner.Run(Batch2(false, 0.1f), ["pooled", encoder.PoolerOutput!.Name]);
            Assert.Equal(outputs[encoder.PoolerOutput.Name].ToDoubles(), outputs["pooled"].ToDoubles());
        }
    }

    [Fact]
    public void DropoutIsActiveOnlyInTrainingMode()
    {
        var (runner, _, _) = BuildMiniLm(PoolingMode.Mean);
        using (runner)
        {
            var eval1 = runner.Run(Batch2(false, 0.5f), ["logits"])["logits"].ToDoubles();
            var eval2 = runner.Run(Batch2(false, 0.5f), ["logits"])["logits"].ToDoubles();
            var train = runner.Run(Batch2(true, 0.5f), ["logits"])["logits"].ToDoubles();
            Assert.Equal(eval1, eval2);
            Assert.NotEqual(eval1, train);
        }
    }

    [Fact]
    public void ClassifierIsSeededNormalWithZeroBias()
    {
        var a = TaskHeadBuilder.InitialWeights(384, 2, seed: 1).ToDoubles();
        var b = TaskHeadBuilder.InitialWeights(384, 2, seed: 1).ToDoubles();
        var c = TaskHeadBuilder.InitialWeights(384, 2, seed: 2).ToDoubles();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        double mean = a.Average(), std = Math.Sqrt(a.Sum(x => (x - mean) * (x - mean)) / a.Length);
        Assert.InRange(std, 0.017, 0.023);
        Assert.InRange(mean, -0.004, 0.004);
    }

    [Fact]
    public void PoolerPoolingWithoutAPoolerIsAnInvalidPoolingOption()
    {
        var g = new Graph("no_pooler");
        var ids = g.AddInput("input_ids", ElementType.Int64, [Dim.Symbolic("batch"), Dim.Symbolic("sequence")]);
        g.AddInput("attention_mask", ElementType.Int64, [Dim.Symbolic("batch"), Dim.Symbolic("sequence")]);
        var table = g.AddInitializer("embeddings.word_embeddings.weight", TensorData.Zeros(ElementType.Float, [10, 4]));
        var hidden = g.Gather(table, ids);
        hidden.Type = ElementType.Float;
        hidden.Shape = [Dim.Symbolic("batch"), Dim.Symbolic("sequence"), Dim.Known(4)];
        g.AddOutput(hidden);
        var encoder = BertEncoderGraph.Attach(g);
        var error = Assert.Throws<InvalidOptionException>(() =>
            TaskHeadBuilder.Append(encoder, new ClassifierHeadOptions { Pooling = PoolingMode.Pooler }, HeadDropout.Evaluation));
        Assert.Equal("ClassifierHeadOptions.Pooling", error.Option);
        Assert.Equal("ClassifierHeadOptions.Pooling = Pooler: the base model has no pooler output; use mean or CLS pooling", error.Message);
    }

    private static void AssertLogitsAreLinear(ClassifierHead head, double[] pooled, double[] logits)
    {
        var w = head.Weight.Initializer!.ToDoubles();
        int labels = (int)head.Weight.Initializer.Dims[1];
        for (int b = 0; b < Batch; b++)
            for (int c = 0; c < labels; c++)
            {
                double expected = Enumerable.Range(0, Hidden).Sum(h => pooled[b * Hidden + h] * w[h * labels + c]);
                Assert.Equal(expected, logits[b * labels + c], 4);
            }
    }
}
