using OrtAgent.Onnx;
using OrtAgent.Training.Autodiff;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Training.Tests.Autodiff;

public sealed class GradientBuilderTests
{
    private static (Graph Graph, Value X, Value Loss) Scalar(Func<Graph, Value, Value> body)
    {
        var g = new Graph("t");
        var x = g.AddInput("x", ElementType.Float, [Dim.Known(2), Dim.Known(3)]);
        var loss = g.Op("ReduceSum", [body(g, x)], Graph.Attrs(("keepdims", 0L)));
        return (g, x, loss);
    }

    [Fact]
    public void MissingRuleNamesOpAndNode()
    {
        var (g, x, loss) = Scalar((g, x) => g.Op("Sin", x));
        var error = Assert.Throws<InvalidOperationException>(() => GradientBuilder.Build(g, loss, [x]));
        Assert.StartsWith("No gradient rule for op 'Sin' (node 'Sin')", error.Message);
    }

    [Fact]
    public void NodesOffThePathNeedNoRule()
    {
        // Sin feeds only a shape computation (Shape cuts the path), so no rule is needed for it.
        var (g, x, loss) = Scalar((g, x) => g.Reshape(g.Exp(x), g.Shape(g.Op("Sin", x))));
        var grads = GradientBuilder.Build(g, loss, [x]);
        Assert.Equal("x_grad", grads[x].Name);
        Assert.Equal(ElementType.Float, grads[x].Type);
    }

    [Fact]
    public void UnreachableParameterGetsZerosOrAnError()
    {
        var (g, x, loss) = Scalar((g, x) => g.Exp(x));
        var unused = g.AddInitializer("unused", TensorData.Create<float>([4], [1, 2, 3, 4]));
        var grads = GradientBuilder.Build(g, loss, [x, unused]);
        Assert.Equal("ConstantOfShape", grads[unused].Producer!.OpType);

        var (g2, x2, loss2) = Scalar((g, x) => g.Exp(x));
        var unused2 = g2.AddInitializer("unused", TensorData.Create<float>([4], [1, 2, 3, 4]));
        var error = Assert.Throws<InvalidOperationException>(() =>
            GradientBuilder.Build(g2, loss2, [x2, unused2], new GradientBuilderOptions { UnreachableParameters = UnreachableParameterPolicy.Throw }));
        Assert.Contains("'unused'", error.Message);
    }

    [Fact]
    public void FanInIsSummedWithOneSumNode()
    {
        var (g, x, loss) = Scalar((g, x) => g.Add(g.Add(g.Exp(x), g.Tanh(x)), g.Sigmoid(x)));
        int before = g.Nodes.Count;
        GradientBuilder.Build(g, loss, [x]);
        var sums = g.Nodes.Skip(before).Where(n => n.OpType == "Sum").ToList();
        Assert.Single(sums);
        Assert.Equal(3, sums[0].Inputs.Count);
    }

    [Theory]
    [InlineData("batch", "batch", false)]   // attention: both operands [batch, heads, ...], no broadcasting
    [InlineData("batch", "other", true)]    // batch dims shape inference cannot prove equal: axes found at run time
    public void BatchedMatMulUnbroadcastsAtRunTimeOnlyWhenShapesCannotTell(string aBatch, string bBatch, bool runTimeAxes)
    {
        var g = new Graph("t");
        var a = g.AddInput("a", ElementType.Float, [Dim.Symbolic(aBatch), Dim.Known(2), Dim.Symbolic("seq"), Dim.Known(4)]);
        var b = g.AddInput("b", ElementType.Float, [Dim.Symbolic(bBatch), Dim.Known(2), Dim.Known(4), Dim.Symbolic("seq")]);
        var loss = g.Op("ReduceSum", [g.MatMul(a, b)], Graph.Attrs(("keepdims", 0L)));
        ShapeInference.Run(g);
        int before = g.Nodes.Count;

        var grads = GradientBuilder.Build(g, loss, [a, b]);

        Assert.Equal(runTimeAxes, g.Nodes.Skip(before).Any(n => n.OpType == "NonZero"));
        // Without broadcasting, each gradient is its MatMul's result as it is: no copy through a no-op ReduceSum.
        Assert.Equal(runTimeAxes ? "ReduceSum" : "MatMul", grads[a].Producer!.OpType);
        Assert.Equal(runTimeAxes ? "ReduceSum" : "MatMul", grads[b].Producer!.OpType);
    }

    [Fact]
    public void GradientReachingSavedStatisticsFails()
    {
        // LayerNormalization's Mean output is saved for the backward pass, not a differentiable result.
        var g = new Graph("t");
        var x = g.AddInput("x", ElementType.Float, [Dim.Known(2), Dim.Known(3)]);
        var scale = g.AddInitializer("scale", TensorData.Create<float>([3], [1, 1, 1]));
        var (_, mean, _) = g.LayerNormalization(x, scale, null);
        var loss = g.Op("ReduceSum", [mean], Graph.Attrs(("keepdims", 0L)));
        var error = Assert.Throws<InvalidOperationException>(() => GradientBuilder.Build(g, loss, [x]));
        Assert.Contains("must not be asked", error.Message);
    }

    [Fact]
    public void TinyBertWritesAnOpset13BaseModelDirectory()
    {
        using var directory = new TempDirectory("tinybert");
        TinyBertBuilder.WriteBaseModel(directory.Path, new TinyBertOptions { Opset = 13, VocabSize = 60 });
        var model = OnnxModel.Load(directory.Combine("model.onnx"));
        Assert.Equal(13, model.Graph.OpsetVersion);
        Assert.Contains(model.Graph.Initializers, v => v.Name == "encoder.layer.1.attention.self.query.weight" && v.Initializer!.Dims.SequenceEqual([32L, 32L]));
        var vocab = File.ReadAllLines(directory.Combine("vocab.txt"));
        Assert.Equal(60, vocab.Length);
        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], vocab.Take(5));
        using var session = GradientCheck.Session(model.Graph);
        Assert.Equal("last_hidden_state", session.OutputMetadata.Keys.Single());
    }
}
