using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Autodiff;

namespace OrtAgent.Training.Tests.Autodiff;

/// <summary>
/// The embedding gradient on more than one thread. ONNX Runtime's CPU ScatterND with reduction="add" splits the
/// updates over its threads and adds into shared rows unsynchronised: on two threads, 32,768 rows into 2 lost updates
/// (an error of 23 in one run of 10) and gave different sums from run to run. The gradient tests run on one thread,
/// so only this test sees it.
/// </summary>
public sealed class EmbeddingGradientThreadingTests
{
    [Fact]
    public void GatherGradientOnTwoThreadsIsExactAndTheSameInEveryRun()
    {
        const int rows = 32768, width = 384, tableRows = 2;
        var g = new Graph("embedding", opsetVersion: 17);
        var table = g.AddInput("table", ElementType.Float, [tableRows, width]);
        var indices = g.AddInput("indices", ElementType.Int64, [rows]);
        var weights = g.AddInput("weights", ElementType.Float, [rows, width]);
        var loss = g.Op("ReduceSum", [g.Mul(g.Gather(table, indices), weights)], Graph.Attrs(("keepdims", 0L)));
        g.AddOutput(loss);
        var gradient = GradientBuilder.Build(g, loss, [table])[table];
        g.AddOutput(gradient);
        Assert.DoesNotContain(g.Nodes, n => n.OpType == "ScatterND" && n.StringAttribute("reduction", "none") != "none");

        var random = new Random(1);
        var w = new float[rows * width];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() - 0.5);
        var picks = Enumerable.Range(0, rows).Select(i => (long)(i % tableRows)).ToArray();
        // dLoss/dTable[r] is the sum of the weight rows that picked r.
        var exact = new double[tableRows * width];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < width; j++) exact[picks[i] * width + j] += w[i * width + j];

        using var options = new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 };
        using var session = new InferenceSession(new OnnxModel(g).ToBytes(), options);
        float[]? first = null;
        for (int run = 0; run < 10; run++)
        {
            using var t = OrtValue.CreateTensorValueFromMemory(new float[tableRows * width], [tableRows, width]);
            using var ix = OrtValue.CreateTensorValueFromMemory(picks, [rows]);
            using var wv = OrtValue.CreateTensorValueFromMemory(w, [rows, width]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, ["table", "indices", "weights"], [t, ix, wv], [gradient.Name]);
            var actual = results[0].GetTensorDataAsSpan<float>().ToArray();
            for (int k = 0; k < actual.Length; k++)
                Assert.True(Math.Abs(actual[k] - exact[k]) < 1e-3, $"run {run}, element {k}: {actual[k]} against {exact[k]}");
            first ??= actual;
            Assert.Equal(first, actual);
        }
    }
}
