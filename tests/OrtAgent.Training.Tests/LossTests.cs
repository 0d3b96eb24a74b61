using OrtAgent.Onnx;
using OrtAgent.Training.Losses;

namespace OrtAgent.Training.Tests;

public class LossTests
{
    private static readonly float[] Logits = [2.0f, -1.0f, 0.5f, 0.1f, 0.2f, 3.0f, -0.5f, 1.5f, 0.0f];

    private static double RunLoss(LossOptions options, int numLabels, TensorData labels)
    {
        var g = new Graph("loss");
        var logits = g.AddInput("logits", ElementType.Float, [Dim.Symbolic("batch"), Dim.Known(numLabels)]);
        var labelInput = LossBuilder.AddLabelsInput(g, options.Kind, numLabels);
        g.AddOutput(LossBuilder.Append(g, logits, labelInput, numLabels, options));
        using var runner = OnnxRunner.FromModel(new OnnxModel(g));
        var feeds = new Dictionary<string, TensorData>
        {
            ["logits"] = TensorData.Create<float>([Logits.Length / numLabels, numLabels], Logits),
            ["labels"] = labels,
        };
        return runner.Run(feeds).Values.Single().ToDoubles().Single();
    }

    private static double[] LogSoftmaxRow(int row)
    {
        var x = Logits.Skip(row * 3).Take(3).Select(v => (double)v).ToArray();
        double max = x.Max(), lse = max + Math.Log(x.Sum(v => Math.Exp(v - max)));
        return x.Select(v => v - lse).ToArray();
    }

    [Fact]
    public void CrossEntropyIsTheMeanNegativeLogLikelihood()
    {
        long[] labels = [0, 2, 1];
        double expected = -(LogSoftmaxRow(0)[0] + LogSoftmaxRow(1)[2] + LogSoftmaxRow(2)[1]) / 3;
        Assert.Equal(expected, RunLoss(new LossOptions(), 3, TensorData.Vector(labels)), 5);
    }

    [Fact]
    public void ClassWeightsGiveTheWeightedMeanPyTorchComputes()
    {
        float[] w = [0.5f, 2f, 1f];
        long[] labels = [0, 2, 1];
        double num = -(w[0] * LogSoftmaxRow(0)[0] + w[2] * LogSoftmaxRow(1)[2] + w[1] * LogSoftmaxRow(2)[1]);
        double expected = num / (w[0] + w[2] + w[1]);
        Assert.Equal(expected, RunLoss(new LossOptions { ClassWeights = w }, 3, TensorData.Vector(labels)), 5);
    }

    [Fact]
    public void LabelSmoothingMixesInTheUniformTerm()
    {
        const double eps = 0.1;
        long[] labels = [0, 2, 1];
        double nll = 0, smooth = 0;
        for (int i = 0; i < 3; i++)
        {
            var lp = LogSoftmaxRow(i);
            nll += -lp[labels[i]];
            smooth += -lp.Sum();
        }
        double expected = (1 - eps) * nll / 3 + eps / 3 * smooth / 3;
        Assert.Equal(expected, RunLoss(new LossOptions { LabelSmoothing = 0.1f }, 3, TensorData.Vector(labels)), 5);
    }

    [Fact]
    public void WeightsAndSmoothingTogetherFollowPyTorch()
    {
        // PyTorch: (1-ε)·Σ w[y]·nll / Σ w[y]  +  (ε/C)·Σᵢ Σ_c w[c]·(-lp) / Σ w[y].
        const double eps = 0.2;
        float[] w = [0.5f, 2f, 1f];
        long[] labels = [1, 1, 0];
        double nll = 0, smooth = 0, wsum = 0;
        for (int i = 0; i < 3; i++)
        {
            var lp = LogSoftmaxRow(i);
            nll += -w[labels[i]] * lp[labels[i]];
            smooth += -Enumerable.Range(0, 3).Sum(c => w[c] * lp[c]);
            wsum += w[labels[i]];
        }
        double expected = (1 - eps) * nll / wsum + eps / 3 * smooth / wsum;
        Assert.Equal(expected, RunLoss(new LossOptions { ClassWeights = w, LabelSmoothing = 0.2f }, 3, TensorData.Vector(labels)), 5);
    }

    [Fact]
    public void OutOfRangeLabelsAreIgnoredLikeIgnoreIndex()
    {
        long[] labels = [0, -100, 1];
        double expected = -(LogSoftmaxRow(0)[0] + LogSoftmaxRow(2)[1]) / 2;
        Assert.Equal(expected, RunLoss(new LossOptions { LabelSmoothing = 0f }, 3, TensorData.Vector(labels)), 5);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsMatchesTheNaiveFormula()
    {
        float[] y = [1, 0, 1, 0, 0, 1, 1, 1, 0];
        double expected = Logits.Select((x, i) =>
        {
            double p = 1 / (1 + Math.Exp(-x));
            return -(y[i] * Math.Log(p) + (1 - y[i]) * Math.Log(1 - p));
        }).Average();
        Assert.Equal(expected, RunLoss(new LossOptions { Kind = LossKind.BinaryCrossEntropy }, 3, TensorData.Create<float>([3, 3], y)), 5);
    }

    [Fact]
    public void BinaryCrossEntropyStaysFiniteForHugeLogits()
    {
        var g = new Graph("bce");
        var x = g.AddInput("logits", ElementType.Float, [2, 1]);
        var y = g.AddInput("labels", ElementType.Float, [2, 1]);
        g.AddOutput(BinaryCrossEntropyWithLogitsLoss.Append(g, x, y));
        using var runner = OnnxRunner.FromModel(new OnnxModel(g));
        var loss = runner.Run(new Dictionary<string, TensorData>
        {
            ["logits"] = TensorData.Create<float>([2, 1], [1000f, -1000f]),
            ["labels"] = TensorData.Create<float>([2, 1], [0f, 0f]),
        }).Values.Single().ToDoubles().Single();
        Assert.Equal(500.0, loss, 3); // (1000 + 0) / 2
    }

    [Fact]
    public void MeanSquaredErrorIsTheMeanOfSquares()
    {
        float[] y = [1, 0, 1, 0, 0, 1, 1, 1, 0];
        double expected = Logits.Select((x, i) => (x - y[i]) * (double)(x - y[i])).Average();
        Assert.Equal(expected, RunLoss(new LossOptions { Kind = LossKind.MeanSquaredError }, 3, TensorData.Create<float>([3, 3], y)), 5);
    }

    [Fact]
    public void OptionsAreValidatedUpFront()
    {
        Assert.Throws<UserInputException>(() => new LossOptions { ClassWeights = [1f, 2f] }.Validate(3));
        Assert.Throws<InvalidOptionException>(() => new LossOptions { LabelSmoothing = 1f }.Validate(3));
        Assert.Throws<UserInputException>(() => new LossOptions { Kind = LossKind.MeanSquaredError, LabelSmoothing = 0.1f }.Validate(1));
        Assert.Throws<UserInputException>(() => LossOptions.ParseKind("hinge"));
    }
}
