using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Tests.Autodiff;

namespace OrtAgent.Training.Tests.Contrastive;

/// <summary>The pair loss (L2 normalisation, cosine of the two halves, squared error to same-label) in ONNX Runtime.</summary>
public sealed class PairSimilarityLossTests
{
    // Rows 0-2 are the pairs' first texts, rows 3-5 their second texts: pairs (0,0) positive, (1,0) negative, (1,1) positive.
    private static readonly long[] Labels = [0, 1, 1, 0, 0, 1];

    private static readonly long[] EachRowOnce = [0, 1, 2, 3, 4, 5];

    private static Value PairRows(Graph g, long[] rows) => g.Constant(TensorData.Create<long>([rows.Length], rows), "pair_rows");

    private static Value Loss(Graph g, Value pooled) =>
        PairSimilarityObjective.AppendLoss(g, pooled, g.Constant(TensorData.Create<long>([6], Labels), "labels"), PairRows(g, EachRowOnce), 5).Loss;

    // Four texts in three pairs, rows 0 and 1 used twice: (0,3) positive, (1,0) negative, (1,2) positive.
    private static Value SharedRowsLoss(Graph g, Value pooled) =>
        PairSimilarityObjective.AppendLoss(g, pooled, g.Constant(TensorData.Create<long>([4], [0L, 1, 1, 0]), "labels"),
            PairRows(g, [0, 1, 1, 3, 0, 2]), 5).Loss;

    [Fact]
    public void TheGradientMatchesFiniteDifferences()
    {
        var result = GradientCheck.Run((g, x) => Loss(g, x[0]), [new CheckInput("pooled", [6, 5])]);
        Assert.Equal(30, result.Elements);
    }

    [Fact]
    public void TheGradientMatchesFiniteDifferencesWithSymbolicShapes()
    {
        GradientCheck.Run((g, x) => Loss(g, x[0]), [new CheckInput("pooled", [6, 5])], declared: DeclaredShape.Symbolic);
    }

    [Fact]
    public void TheGradientOfTextsSharedByPairsSumsTheirUses()
    {
        var result = GradientCheck.Run((g, x) => SharedRowsLoss(g, x[0]), [new CheckInput("pooled", [4, 5])]);
        Assert.Equal(20, result.Elements);
    }

    [Fact]
    public void TheLossIsTheMeanSquaredErrorOfTheCosinesToTheirTargets()
    {
        double[] pooled =
        [
            1, 0, 0, 0, 0,   2, 2, 0, 0, 0,   0, 0, 3, 0, 0,
            3, 0, 0, 0, 0,   1, 0, 0, 0, 0,   0, 0, 1, 1, 0,
        ];
        var g = new Graph("pair_loss", 17);
        var input = g.AddInput("pooled", ElementType.Double, [Dim.Known(6), Dim.Known(5)]);
        var (similarity, loss) = PairSimilarityObjective.AppendLoss(g, input, g.Constant(TensorData.Create<long>([6], Labels), "labels"),
            PairRows(g, EachRowOnce), 5);
        similarity.Type = loss.Type = ElementType.Double;
        g.AddOutput(similarity);
        g.AddOutput(loss);
        using var session = GradientCheck.Session(g);
        using var value = OrtValue.CreateTensorValueFromMemory(pooled, [6, 5]);
        using var run = new RunOptions();
        using var outputs = session.Run(run, ["pooled"], [value], [similarity.Name, loss.Name]);

        // cos: (1,0,0,0,0)·(1,0,0,0,0) = 1; (1,1,0,0,0)/√2 · (1,0,0,0,0) = 1/√2; (0,0,1,0,0)·(0,0,1,1,0)/√2 = 1/√2.
        double r = 1 / Math.Sqrt(2);
        Assert.Equal([1, r, r], outputs[0].GetTensorDataAsSpan<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        // Targets 1, 0, 1: ((1-1)² + (r-0)² + (r-1)²) / 3.
        Assert.Equal((0 + r * r + (r - 1) * (r - 1)) / 3, outputs[1].GetTensorDataAsSpan<double>()[0], 12);
    }
}
