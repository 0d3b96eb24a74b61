namespace OrtAgent.Onnx.Tests;

[Collection(PackagedModelsCollection.Name)]
public class OpsetUpgraderTests(PackagedEncoders models)
{
    [Fact]
    public void ArcticUpgradedTo17GivesTheSameOutputs()
    {
        var model = OnnxModel.Load(models.ArcticPath);
        Assert.Equal(11, model.Graph.OpsetVersion);

        OpsetUpgrader.Upgrade(model, 17);

        Assert.Equal(17, model.Graph.OpsetVersion);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Unsqueeze" && n.Attributes.ContainsKey("axes"));
        ShapeInference.Run(model.Graph);
        Assert.Equal("batch_size,sequence_length,384", string.Join(",", model.Graph.Outputs[0].Shape!));
        var expected = OnnxRunner.RunFile(models.ArcticPath, EncoderBatch.Feeds());
        var actual = OnnxRunner.RunBytes(model.ToBytes(), EncoderBatch.Feeds());
        foreach (var (name, values) in expected)
            Assert.True(OnnxRunner.MaxAbsDiff(values, actual[name]) < 1e-5f, $"{name} differs by {OnnxRunner.MaxAbsDiff(values, actual[name])}");
    }

    [Fact]
    public void AxesAndSplitAttributesBecomeSharedInputs()
    {
        var g = new Graph(opsetVersion: 11);
        var x = g.AddInput("x", ElementType.Float, [2, 3]);
        var a = g.Unsqueeze(x, 0);
        var b = g.Unsqueeze(x, 0);
        var sum = g.ReduceSum(x, [1]);
        var pieces = g.Split(x, 1, 1, 2);
        var mean = g.ReduceMean(x, [1]);

        OpsetUpgrader.Upgrade(g, 17);

        var unsqueezeA = a.Producer!;
        Assert.Empty(unsqueezeA.Attributes);
        Assert.Equal([0L], unsqueezeA.Inputs[1]!.Initializer!.ToInt64s());
        Assert.Same(unsqueezeA.Inputs[1], b.Producer!.Inputs[1]);
        Assert.Equal([1L], sum.Producer!.Inputs[1]!.Initializer!.ToInt64s());
        Assert.Equal([1L, 2L], pieces[0].Producer!.Inputs[1]!.Initializer!.ToInt64s());
        // ReduceMean keeps its axes attribute until opset 18.
        Assert.Equal([1L], mean.Producer!.IntsAttribute("axes"));
    }

    [Fact]
    public void ReduceMeanAxesMoveToAnInputAt18()
    {
        var g = new Graph(opsetVersion: 13);
        var x = g.AddInput("x", ElementType.Float, [2, 3]);
        var mean = g.ReduceMean(x, [-1]);

        OpsetUpgrader.Upgrade(g, 18);

        Assert.False(mean.Producer!.Attributes.ContainsKey("axes"));
        Assert.Equal([-1L], mean.Producer.Inputs[1]!.Initializer!.ToInt64s());
    }

    [Fact]
    public void DropoutRatioBecomesAnInput()
    {
        var g = new Graph(opsetVersion: 11);
        var x = g.AddInput("x", ElementType.Float, [2, 3]);
        var dropout = g.AddNode("Dropout", [x], 1, Graph.Attrs(("ratio", 0.25f)));

        OpsetUpgrader.Upgrade(g, 17);

        Assert.Empty(dropout.Attributes);
        Assert.Equal([0.25], dropout.Inputs[1]!.Initializer!.ToDoubles());
    }

    [Fact]
    public void SoftmaxOverLeadingAxisKeepsOpset11Meaning()
    {
        // Opset 11 Softmax(axis=1) on [2,2,2] normalizes each batch row over all 4 elements, not along dim 1.
        var g = new Graph(opsetVersion: 11);
        var x = g.AddInput("x", ElementType.Float, [2, 2, 2]);
        var y = g.Softmax(x, axis: 1);
        g.AddOutput(y);
        var input = new Dictionary<string, TensorData> { ["x"] = TensorData.Create<float>([2, 2, 2], [0, 0, 0, 0, 1, 2, 3, 4]) };
        var original = new OnnxModel(g) { IrVersion = 7 }.ToBytes();

        OpsetUpgrader.Upgrade(g, 17);

        Assert.Equal(["Flatten", "Softmax", "Shape", "Reshape"], g.Nodes.Select(n => n.OpType).OrderBy(o => o == "Reshape").ThenBy(o => o == "Shape"));
        Assert.Equal("Softmax", g.Outputs[0].Name.Split('_')[0]);
        var upgraded = OnnxRunner.RunBytes(new OnnxModel(g).ToBytes(), input)[g.Outputs[0].Name];
        var expected = OnnxRunner.RunBytes(original, input)[y.Name];
        Assert.Equal(0.25f, upgraded[0], 6);
        Assert.True(OnnxRunner.MaxAbsDiff(expected, upgraded) < 1e-6f);
    }

    [Fact]
    public void SoftmaxOverLastAxisStaysOneNode()
    {
        var g = new Graph(opsetVersion: 11);
        var x = g.AddInput("x", ElementType.Float, [2, 3]);
        var y = g.AddNode("Softmax", [x]);   // default axis 1, the last one of a matrix

        OpsetUpgrader.Upgrade(g, 17);

        Assert.Single(g.Nodes);
        Assert.Equal(1L, y.IntAttribute("axis", -99));
    }

    [Fact]
    public void UnconvertibleOpsAndOpsetsAreRejected()
    {
        var g = new Graph(opsetVersion: 11);
        var x = g.AddInput("x", ElementType.Float, [1, 3, 4, 4]);
        g.AddNode("Resize", [x], name: "upscale");
        var error = Assert.Throws<NotSupportedException>(() => OpsetUpgrader.Upgrade(g, 17));
        Assert.Equal("cannot upgrade Resize node 'upscale' from opset 11 to 17: OrtAgent does not convert 'Resize'", error.Message);
        Assert.Equal(11, g.OpsetVersion);

        Assert.Throws<ArgumentOutOfRangeException>(() => OpsetUpgrader.Upgrade(new Graph(opsetVersion: 10), 17));
        Assert.Throws<ArgumentOutOfRangeException>(() => OpsetUpgrader.Upgrade(new Graph(opsetVersion: 13), 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => OpsetUpgrader.Upgrade(new Graph(opsetVersion: 13), 19));
    }
}
