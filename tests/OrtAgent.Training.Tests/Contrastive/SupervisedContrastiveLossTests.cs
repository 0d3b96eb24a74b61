using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Tests.Autodiff;

namespace OrtAgent.Training.Tests.Contrastive;

/// <summary>The supervised contrastive loss (every row an anchor, its same-label rows its positives) in ONNX Runtime.</summary>
public sealed class SupervisedContrastiveLossTests
{
    private const double Temperature = 0.07;

    private static Value Loss(Graph g, Value pooled, long[] labels, double temperature = Temperature) =>
        SupervisedContrastiveLoss.Append(g, TaskHeadBuilder.L2Normalize(g, pooled),
            g.Constant(TensorData.Create<long>([labels.Length], labels), "labels"), temperature, pooled);

    [Fact]
    public void TheGradientMatchesFiniteDifferences()
    {
        var result = GradientCheck.Run((g, x) => Loss(g, x[0], [0, 1, 1, 0, 0, 1]), [new CheckInput("pooled", [6, 5])]);
        Assert.Equal(30, result.Elements);
    }

    [Fact]
    public void TheGradientMatchesFiniteDifferencesWhenAnAnchorHasNoPositive()
    {
        // Row 3 is the only text of label 2: an anchor of nothing, but still a negative of every other row.
        var result = GradientCheck.Run((g, x) => Loss(g, x[0], [0, 1, 1, 2, 0], temperature: 0.5), [new CheckInput("pooled", [5, 4])],
            declared: DeclaredShape.Symbolic);
        Assert.Equal(20, result.Elements);
    }

    [Fact]
    public void TheLossIsThePaperSAverageOverAnchorsWithPositives()
    {
        double[][] pooled = [[1, 0, 0], [2, 1, 0], [0, 1, 1], [0, 0, 3], [1, 1, 1]];
        long[] labels = [0, 0, 1, 2, 1];
        // To 8 places: ONNX Runtime's double LogSoftmax agrees with Math.Exp and Math.Log to about 1e-8, not to the last bit.
        Assert.Equal(Plain(pooled, labels, Temperature), Run(pooled, labels), tolerance: 1e-8);
    }

    [Fact]
    public void ABatchWithoutPositivesHasLossZeroNotNaN()
    {
        Assert.Equal(0, Run([[1, 0, 0], [0, 2, 1], [1, 1, 0]], [0, 1, 2]));
        Assert.Equal(0, Run([[1, 2, 3]], [1]));
    }

    private static double Run(double[][] pooled, long[] labels)
    {
        int rows = pooled.Length, hidden = pooled[0].Length;
        var g = new Graph("supcon_loss", 17);
        var input = g.AddInput("pooled", ElementType.Double, [Dim.Symbolic("rows"), Dim.Known(hidden)]);
        var loss = Loss(g, input, labels);
        loss.Type = ElementType.Double;
        g.AddOutput(loss);
        using var session = GradientCheck.Session(g);
        using var value = OrtValue.CreateTensorValueFromMemory(pooled.SelectMany(r => r).ToArray(), [rows, hidden]);
        using var run = new RunOptions();
        using var outputs = session.Run(run, ["pooled"], [value], [loss.Name]);
        return outputs[0].GetTensorDataAsSpan<double>()[0];
    }

    /// <summary>Khosla et al.'s L_out, written out: −1/|P(i)| Σ_p log(exp(s_ip/τ) / Σ_{a≠i} exp(s_ia/τ)), averaged over anchors with a positive.</summary>
    private static double Plain(double[][] pooled, long[] labels, double temperature)
    {
        var e = pooled.Select(r => { double n = Math.Sqrt(r.Sum(v => v * v)); return r.Select(v => v / n).ToArray(); }).ToArray();
        double Similarity(int i, int j) => e[i].Zip(e[j], (a, b) => a * b).Sum() / temperature;
        double total = 0;
        int anchors = 0;
        for (int i = 0; i < e.Length; i++)
        {
            var positives = Enumerable.Range(0, e.Length).Where(p => p != i && labels[p] == labels[i]).ToList();
            if (positives.Count == 0) continue;
            double denominator = Enumerable.Range(0, e.Length).Where(a => a != i).Sum(a => Math.Exp(Similarity(i, a)));
            total += -positives.Average(p => Math.Log(Math.Exp(Similarity(i, p)) / denominator));
            anchors++;
        }
        return total / anchors;
    }
}
