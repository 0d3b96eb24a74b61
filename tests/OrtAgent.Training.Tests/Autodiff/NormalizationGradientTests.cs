using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Autodiff;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests.Autodiff;

public sealed class NormalizationGradientTests(ITestOutputHelper output) : GradientTestBase(output)
{
    [Theory]
    [InlineData(-1L, DeclaredShape.Static)]
    [InlineData(-1L, DeclaredShape.Unknown)]
    [InlineData(-2L, DeclaredShape.Static)]
    [InlineData(1L, DeclaredShape.Symbolic)]
    public void LayerNormalizationFromSavedStatistics(long axis, DeclaredShape declared) =>
        Check($"LayerNormalization axis {axis}", (g, x) =>
        {
            var node = g.AddNode("LayerNormalization", [x[0], x[1], x[2]], 1,
                Graph.Attrs(("axis", axis), ("epsilon", 1e-5f)));
            return node.Outputs[0];
        }, axis == -1 ? [new("x", [2, 3, 4]), new("scale", [4]), new("bias", [4])] : [new("x", [2, 3, 4]), new("scale", [3, 4]), new("bias", [3, 4])], declared);

    [Fact]
    public void LayerNormalizationInFloatWithDefaultStash() =>
        Check("LayerNormalization float", (g, x) => g.LayerNormalization(x[0], x[1], x[2]).Output,
            [new("x", [2, 3, 4]), new("scale", [4]), new("bias", [4])], type: ElementType.Float, h: 1e-2, tolerance: 5e-3);

    [Fact]
    public void DecomposedLayerNormAsExported() =>
        Check("decomposed LayerNorm", (g, x) =>
        {
            var mean = g.ReduceMean(x[0], [-1]);
            var centered = g.Sub(x[0], mean);
            var variance = g.ReduceMean(g.Pow(centered, g.Constant(TensorData.Scalar(2.0))), [-1]);
            var std = g.Sqrt(g.Add(variance, g.Constant(TensorData.Scalar(1e-12))));
            return g.Add(g.Mul(g.Div(centered, std), x[1]), x[2]);
        }, [new("x", [2, 3, 4]), new("scale", [4]), new("bias", [4])], DeclaredShape.Symbolic);

    [Fact]
    public void DropoutScalesByMaskInTraining()
    {
        // Dropout draws a new mask each run, so finite differences do not apply: check dX = dY * mask / (1 - ratio).
        var graph = new Graph("dropout");
        var x = graph.AddInput("x", ElementType.Float, [Dim.Known(4), Dim.Known(8)]);
        var w = graph.AddInput("w", ElementType.Float, [Dim.Known(4), Dim.Known(8)]);
        var (y, mask) = graph.Dropout(x, graph.Constant(TensorData.Scalar(0.25f)), graph.Constant(TensorData.Create<bool>([], [true])), seed: 3);
        var loss = graph.Op("ReduceSum", [graph.Mul(y, w)], Graph.Attrs(("keepdims", 0L)));
        loss.Type = ElementType.Float;
        mask.Type = ElementType.Bool;
        mask.Shape = x.Shape;
        graph.AddOutput(loss);
        graph.AddOutput(mask);
        var grads = GradientBuilder.Build(graph, loss, [x], new GradientBuilderOptions { AddGradientOutputs = true });
        using var session = GradientCheck.Session(graph);
        var random = new Random(1);
        var xs = Enumerable.Range(0, 32).Select(_ => (float)random.NextDouble()).ToArray();
        var ws = Enumerable.Range(0, 32).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        using var xv = OrtValue.CreateTensorValueFromMemory(xs, [4, 8]);
        using var wv = OrtValue.CreateTensorValueFromMemory(ws, [4, 8]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x", "w"], [xv, wv], [mask.Name, grads[x].Name]);
        var m = outputs[0].GetTensorDataAsSpan<bool>().ToArray();
        var dx = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        Assert.Contains(false, m);
        for (int i = 0; i < 32; i++) Assert.Equal(m[i] ? ws[i] / 0.75f : 0f, dx[i], 1e-6f);
    }

    [Fact]
    public void DropoutOutsideTrainingPassesGradientThrough() =>
        Check("Dropout inference", (g, x) => g.Dropout(x[0], g.Constant(TensorData.Scalar(0.5)), g.Constant(TensorData.Create<bool>([], [false]))).Output,
            [new("x", [2, 3])]);
}
