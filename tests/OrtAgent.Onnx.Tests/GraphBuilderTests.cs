namespace OrtAgent.Onnx.Tests;

public class GraphBuilderTests
{
    [Fact]
    public void UnsqueezeTakesAxesAsAttributeAtOpset11AndAsInputAt17()
    {
        var g11 = new Graph(opsetVersion: 11);
        var u11 = g11.Unsqueeze(g11.AddInput("x", ElementType.Float, [3]), 0).Producer!;
        var g17 = new Graph(opsetVersion: 17);
        var u17 = g17.Unsqueeze(g17.AddInput("x", ElementType.Float, [3]), 0).Producer!;

        Assert.Equal("Unsqueeze", u11.OpType);
        Assert.Equal([0L], u11.IntsAttribute("axes"));
        Assert.Single(u11.Inputs);
        Assert.Null(u17.IntsAttribute("axes"));
        Assert.Equal([0L], u17.Inputs[1]!.Initializer!.ToInt64s());
    }

    [Fact]
    public void ReduceSumMovesAxesAt13AndReduceMeanAt18()
    {
        var g11 = new Graph(opsetVersion: 11);
        var x11 = g11.AddInput("x", ElementType.Float, [2, 3]);
        var sum11 = g11.ReduceSum(x11, [1], keepDims: false).Producer!;
        var g17 = new Graph(opsetVersion: 17);
        var x17 = g17.AddInput("x", ElementType.Float, [2, 3]);
        var sum17 = g17.ReduceSum(x17, [1], keepDims: false).Producer!;
        var mean17 = g17.ReduceMean(x17, [1]).Producer!;
        var g18 = new Graph(opsetVersion: 18);
        var mean18 = g18.ReduceMean(g18.AddInput("x", ElementType.Float, [2, 3]), [1]).Producer!;

        Assert.Equal([1L], sum11.IntsAttribute("axes"));
        Assert.Equal(0L, sum11.IntAttribute("keepdims", 1));
        Assert.Equal([1L], sum17.Inputs[1]!.Initializer!.ToInt64s());
        Assert.Null(sum17.IntsAttribute("axes"));
        Assert.Equal([1L], mean17.IntsAttribute("axes"));
        Assert.Equal([1L], mean18.Inputs[1]!.Initializer!.ToInt64s());
        Assert.Null(mean18.IntsAttribute("axes"));
    }

    [Fact]
    public void TypedOpsSpellTheirAttributes()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [2, 3]);
        var gemm = g.Gemm(x, x, transB: true, alpha: 0.5f).Producer!;
        var transpose = g.Transpose(x, 1, 0).Producer!;
        var cast = g.Cast(x, ElementType.Int64).Producer!;

        Assert.Equal(0.5f, gemm.FloatAttribute("alpha", 0));
        Assert.Equal(1L, gemm.IntAttribute("transB", 0));
        Assert.Equal([1L, 0L], transpose.IntsAttribute("perm"));
        Assert.Equal((long)ElementType.Int64, cast.IntAttribute("to", 0));
    }

    [Fact]
    public void NamesAreMadeUnique()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [2, 2]);
        var first = g.MatMul(x, x);
        var second = g.MatMul(x, x);

        Assert.Equal("MatMul", first.Producer!.Name);
        Assert.Equal("MatMul_1", second.Producer!.Name);
        Assert.NotEqual(first.Name, second.Name);
        Assert.Equal(g.Nodes.Count, g.Nodes.Select(n => n.Name).Distinct().Count());
        Assert.Throws<InvalidOperationException>(() => g.AddInput("x", ElementType.Float, [1]));
    }

    [Fact]
    public void TopologicalSortReordersAShuffledGraph()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [2]);
        var a = g.Relu(x);
        var b = g.Neg(a);
        var c = g.Add(a, b);
        var shuffled = new[] { c.Producer!, b.Producer!, a.Producer! };
        foreach (var node in g.Nodes.ToList()) g.RemoveNode(node);
        foreach (var node in shuffled) AppendExisting(g, node);
        Assert.Equal(["Add", "Neg", "Relu"], g.Nodes.Select(n => n.OpType));

        g.TopologicalSort();

        Assert.Equal(["Relu", "Neg", "Add"], g.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void RemoveUnusedDropsDeadNodesAndInitializers()
    {
        var g = new Graph();
        var x = g.AddInput("x", ElementType.Float, [2]);
        var used = g.Add(x, g.ScalarLike(x, 1));
        g.Mul(x, g.ScalarLike(x, 2));   // nothing reads this product
        g.AddOutput(used);

        int removed = g.RemoveUnused();

        Assert.Equal(1, removed);
        Assert.Equal(["Add"], g.Nodes.Select(n => n.OpType));
        Assert.Single(g.Initializers);
        Assert.Equal([1.0], g.Initializers[0].Initializer!.ToDoubles());
    }

    [Fact]
    public void BuiltGraphRunsInOnnxRuntimeWithHandComputedResults()
    {
        // y = ReduceSum(Relu(x·W + b), axis 1): x·W = [[1,2,1],[3,-4,-7]], + 0.5, Relu, row sums 5.5 and 3.5.
        var g = new Graph("dense", opsetVersion: 17);
        var x = g.AddInput("x", ElementType.Float, [2, 2]);
        var w = g.AddInitializer("w", TensorData.Create<float>([2, 3], [1, 0, -1, 0, 1, 1]));
        var b = g.AddInitializer("b", TensorData.Vector(0.5f, 0.5f, 0.5f));
        var y = g.ReduceSum(g.Relu(g.Add(g.MatMul(x, w), b)), [1], keepDims: false);
        g.AddOutput(y);
        ShapeInference.Run(g);
        Assert.Equal([Dim.Known(2)], y.Shape);

        var result = OnnxRunner.RunBytes(new OnnxModel(g).ToBytes(),
            new Dictionary<string, TensorData> { ["x"] = TensorData.Create<float>([2, 2], [1, 2, 3, -4]) });

        Assert.Equal([5.5f, 3.5f], result[y.Name]);
    }

    // Re-adds a removed node at the end and points every reader of its old outputs at the new ones.
    private static void AppendExisting(Graph g, Node node)
    {
        var copy = g.AddNode(node.OpType, node.Inputs, node.Outputs.Count, node.Attributes, name: node.Name);
        for (int i = 0; i < node.Outputs.Count; i++) g.ReplaceAllUses(node.Outputs[i], copy.Outputs[i]);
    }
}
