namespace OrtAgent.Onnx.Tests;

[Collection(PackagedModelsCollection.Name)]
public class ShapeInferenceTests(PackagedEncoders models)
{
    private static readonly Dim Batch = Dim.Symbolic("batch");
    private static readonly Dim Sequence = Dim.Symbolic("sequence");

    // Each exporter named the symbolic dims of input_ids its own way.
    private static (Dim Batch, Dim Sequence) SymbolsOf(Graph graph) =>
        graph.Inputs.Single(i => i.Name == "input_ids").Shape is [var batch, var sequence] ? (batch, sequence) : throw new InvalidDataException();

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void EncoderOutputIsBatchBySequenceBy384(string model)
    {
        var graph = OnnxModel.Load(models.PathOf(model)).Graph;
        ShapeInference.Run(graph);
        var (batch, sequence) = SymbolsOf(graph);

        var hidden = graph.Outputs.Single(o => o.Name == "last_hidden_state");
        Assert.Equal(ElementType.Float, hidden.Type);
        Assert.Equal([batch, sequence, Dim.Known(384)], hidden.Shape);
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void EveryNodeOutputGetsATypeAndShape(string model)
    {
        var graph = OnnxModel.Load(models.PathOf(model)).Graph;
        ShapeInference.Run(graph);

        var untyped = graph.Nodes.SelectMany(n => n.Outputs).Where(v => v.Type == ElementType.Undefined || v.Shape is null);
        Assert.Empty(untyped);
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void AttentionHeadsAndScoresAreSymbolic(string model)
    {
        var graph = OnnxModel.Load(models.PathOf(model)).Graph;
        ShapeInference.Run(graph);
        var (batch, sequence) = SymbolsOf(graph);
        Assert.Equal(model == "minilm" ? "batch" : "batch_size", batch.Symbol);

        // The first Reshape splits keys into 12 heads of 32, from a shape computed by Shape→Gather→Unsqueeze→Concat.
        var heads = graph.Nodes.First(n => n.OpType == "Reshape").Outputs[0];
        Assert.Equal([batch, sequence, Dim.Known(12), Dim.Known(32)], heads.Shape);

        var scores = graph.Nodes.First(n => n.OpType == "Softmax").Outputs[0];
        Assert.Equal([batch, Dim.Known(12), sequence, sequence], scores.Shape);

        // The additive attention mask [batch, 1, 1, sequence] broadcasts against the scores.
        var mask = graph.Nodes.First(n => n.OpType == "Cast").Outputs[0];
        Assert.Equal([batch, Dim.Known(1), Dim.Known(1), sequence], mask.Shape);
    }

    [Fact]
    public void PoolerOutputOfMiniLmIsBatchBy384()
    {
        var graph = OnnxModel.Load(models.MiniLmPath).Graph;
        ShapeInference.Run(graph);

        var pooled = graph.Nodes.Single(n => n.OpType == "Tanh").Outputs[0];
        Assert.Equal([Batch, Dim.Known(384)], pooled.Shape);
    }

    [Fact]
    public void UnknownOpIsNamedInTheError()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [Dim.Known(2)]);
        g.AddNode("Foo", [x], name: "bar");

        var error = Assert.Throws<InvalidOperationException>(() => ShapeInference.Run(g));
        Assert.Equal("No shape rule for op 'Foo' (node 'bar').", error.Message);
    }

    [Fact]
    public void BroadcastingKeepsSymbolsAgainstOneAndForgetsDifferentSymbols()
    {
        var g = new Graph();
        var a = g.AddInput("a", ElementType.Float, [Batch, Dim.Known(1), Dim.Known(4)]);
        var b = g.AddInput("b", ElementType.Float, [Dim.Known(1), Sequence, Dim.Known(4)]);
        var c = g.AddInput("c", ElementType.Float, [Sequence, Dim.Known(1), Dim.Known(1)]);
        var ab = g.Add(a, b);
        var ac = g.Mul(a, c);
        ShapeInference.Run(g);

        Assert.Equal([Batch, Sequence, Dim.Known(4)], ab.Shape);
        Assert.Equal([Dim.Unknown, Dim.Known(1), Dim.Known(4)], ac.Shape);
    }

    [Fact]
    public void MatMulBroadcastsBatchDimsAndDropsVectorDims()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [Batch, Sequence, Dim.Known(384)]);
        var w = g.AddInput("w", ElementType.Float, [Dim.Known(384), Dim.Known(10)]);
        var v = g.AddInput("v", ElementType.Float, [Dim.Known(384)]);
        var projected = g.MatMul(x, w);
        var dotted = g.MatMul(x, v);
        var leftVector = g.MatMul(v, w);
        ShapeInference.Run(g);

        Assert.Equal([Batch, Sequence, Dim.Known(10)], projected.Shape);
        Assert.Equal([Batch, Sequence], dotted.Shape);
        Assert.Equal([Dim.Known(10)], leftVector.Shape);
    }

    [Fact]
    public void ReshapeWithMinusOneAndZeroCancelsSymbols()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [Batch, Sequence, Dim.Known(384)]);
        var heads = g.Reshape(x, 0, 0, 12, -1);
        var flat = g.Reshape(x, -1, 384);
        ShapeInference.Run(g);

        Assert.Equal([Batch, Sequence, Dim.Known(12), Dim.Known(32)], heads.Shape);
        Assert.Equal([Dim.Unknown, Dim.Known(384)], flat.Shape);
    }

    [Fact]
    public void ReductionsHonourAxesAttributeOrInputAndKeepDims()
    {
        var g11 = new Graph(opsetVersion: 11);
        var x11 = g11.AddInput("x", ElementType.Float, [Batch, Sequence, Dim.Known(8)]);
        var sum11 = g11.ReduceSum(x11, [1], keepDims: false);
        ShapeInference.Run(g11);
        Assert.Equal([Batch, Dim.Known(8)], sum11.Shape);

        var g18 = new Graph(opsetVersion: 18);
        var x18 = g18.AddInput("x", ElementType.Float, [Batch, Sequence, Dim.Known(8)]);
        var mean18 = g18.ReduceMean(x18, [-1]);
        var all = g18.ReduceSumSquareAll(x18);
        var noop = g18.ReduceSum(x18, g18.Int64s(), keepDims: false, noopWithEmptyAxes: true);
        ShapeInference.Run(g18);
        Assert.Equal([Batch, Sequence, Dim.Known(1)], mean18.Shape);
        Assert.Equal([], all.Shape);
        Assert.Equal([Batch, Sequence, Dim.Known(8)], noop.Shape);
    }

    [Fact]
    public void IncrementalInferenceReusesComputedShapeContents()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [Batch, Sequence, Dim.Known(384)]);
        var shape = g.Shape(x, 0, 2);
        var inference = ShapeInference.Run(g);

        // Appended after Run, as the gradient builder does: Expand to the (symbolic) shape computed earlier.
        var ones = g.ConstantOfShape(shape, TensorData.Scalar(1f));
        inference.InferNode(ones.Producer!);

        Assert.Equal([Batch, Sequence], ones.Shape);
        Assert.Equal([Batch, Sequence], inference.ContentsOf(shape));
    }

    [Fact]
    public void TrainingOpsGetTheirOutputShapes()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [Batch, Dim.Known(4)]);
        var labels = g.AddInput("labels", ElementType.Int64, [Batch]);
        var (dropped, mask) = g.Dropout(x, g.ScalarLike(x, 0.1), g.Constant(TensorData.Create<bool>([], [true])));
        var (normalized, mean, invStdDev) = g.LayerNormalization(x, g.Constant(TensorData.Vector(1f, 1f, 1f, 1f)), null);
        var oneHot = g.OneHot(labels, g.Int64s(4), g.Constant(TensorData.Vector(0f, 1f)));
        var pieces = g.Split(x, 1, 1, 3);
        var loss = g.AddNode("SoftmaxCrossEntropyLoss", [x, labels], 2);
        ShapeInference.Run(g);

        Assert.Equal([Batch, Dim.Known(4)], dropped.Shape);
        Assert.Equal(ElementType.Bool, mask.Type);
        Assert.Equal([Batch, Dim.Known(4)], normalized.Shape);
        Assert.Equal([Batch, Dim.Known(1)], mean.Shape);
        Assert.Equal(ElementType.Float, invStdDev.Type);
        Assert.Equal([Batch, Dim.Known(4)], oneHot.Shape);
        Assert.Equal([Batch, Dim.Known(1)], pieces[0].Shape);
        Assert.Equal([Batch, Dim.Known(3)], pieces[1].Shape);
        Assert.Equal([], loss.Outputs[0].Shape);
        Assert.Equal([Batch, Dim.Known(4)], loss.Outputs[1].Shape);
    }

    [Fact]
    public void SortingAndSelectionOpsOfTheEmbeddingGradientGetTheirShapes()
    {
        var g = new Graph();
        var rows = g.AddInput("rows", ElementType.Float, [Batch, Dim.Known(384)]);
        var indices = g.AddInput("indices", ElementType.Int64, [Batch]);
        var keep = g.AddInput("keep", ElementType.Bool, [Batch]);
        var (sorted, order) = g.TopK(indices, g.Shape(indices), axis: 0, largest: false);
        var (topTwo, _) = g.TopK(rows, g.Int64s(2));
        var running = g.CumSum(rows, 0);
        var keptRows = g.Compress(rows, keep, 0);
        var keptColumns = g.Compress(rows, g.Constant(TensorData.Create<bool>([2], [true, false])), -1);
        var flatKept = g.AddNode("Compress", [rows, keep], 1).Outputs[0];
        ShapeInference.Run(g);

        Assert.Equal([Batch], sorted.Shape);
        Assert.Equal(ElementType.Int64, order.Type);
        Assert.Equal([Batch, Dim.Known(2)], topTwo.Shape);
        Assert.Equal([Batch, Dim.Known(384)], running.Shape);
        Assert.Equal([Dim.Unknown, Dim.Known(384)], keptRows.Shape);
        Assert.Equal([Batch, Dim.Unknown], keptColumns.Shape);
        Assert.Equal([Dim.Unknown], flatKept.Shape);
        Assert.Equal(ElementType.Float, keptRows.Type);
    }
}
