using OrtAgent.Onnx.Transforms;

namespace OrtAgent.Onnx.Tests;

[Collection(PackagedModelsCollection.Name)]
public class FusionTests(PackagedEncoders models)
{
    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void FusedEncoderGivesTheSameOutputs(string which)
    {
        var path = which == "minilm" ? models.MiniLmPath : models.ArcticPath;
        var model = OnnxModel.Load(path);
        OpsetUpgrader.Upgrade(model, 17);

        Assert.Equal(13, LayerNormalizationFusion.Apply(model.Graph));
        Assert.Equal(6, GeluFusion.Apply(model.Graph));

        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType is "Erf" or "Pow" or "Sqrt");
        Assert.Equal(13, model.Graph.Nodes.Count(n => n.OpType == "LayerNormalization"));
        Assert.Equal("last_hidden_state", model.Graph.Outputs[0].Name);
        var expected = OnnxRunner.RunFile(path, EncoderBatch.Feeds());
        var actual = OnnxRunner.RunBytes(model.ToBytes(), EncoderBatch.Feeds());
        foreach (var (name, values) in expected)
            Assert.True(OnnxRunner.MaxAbsDiff(values, actual[name]) < 1e-4f, $"{name} differs by {OnnxRunner.MaxAbsDiff(values, actual[name])}");
    }

    [Fact]
    public void LayerNormFusionNeedsOpset17()
    {
        var g = new Graph(opsetVersion: 13);
        Assert.Throws<InvalidOperationException>(() => LayerNormalizationFusion.Apply(g));
    }

    [Fact]
    public void PatternWithAnExtraConsumerIsLeftAlone()
    {
        // The normalised value is also a graph output, so fusing would lose it.
        var g = new Graph(opsetVersion: 17);
        var x = g.AddInput("x", ElementType.Float, [2, 4]);
        var mean = g.ReduceMean(x, [-1]);
        var d = g.Sub(x, mean);
        var v = g.ReduceMean(g.Pow(d, g.Constant(TensorData.Scalar(2f))), [-1]);
        var n = g.Div(d, g.Sqrt(g.Add(v, g.Constant(TensorData.Scalar(1e-5f)))));
        var y = g.Add(g.Mul(n, g.AddInitializer("gamma", TensorData.Vector(1f, 1f, 1f, 1f))), g.AddInitializer("beta", TensorData.Vector(0f, 0f, 0f, 0f)));
        g.AddOutput(y);
        g.AddOutput(n);
        Assert.Equal(0, LayerNormalizationFusion.Apply(g));

        g.Outputs.Remove(n);
        Assert.Equal(1, LayerNormalizationFusion.Apply(g));
        var ln = Assert.Single(g.Nodes, node => node.OpType == "LayerNormalization");
        Assert.Equal(1e-5f, ln.FloatAttribute("epsilon", 0));
    }
}
