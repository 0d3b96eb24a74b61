using OrtAgent.Training.Contrastive;

namespace OrtAgent.Training.Tests.Contrastive;

public sealed class LogisticRegressionHeadTests
{
    /// <summary>Three classes around three directions, with seeded noise; not separable at this noise.</summary>
    private static (List<float[]> X, List<int> Y) Blobs(int perClass, double noise, int seed)
    {
        var random = new Random(seed);
        var x = new List<float[]>();
        var y = new List<int>();
        for (int i = 0; i < perClass * 3; i++)
        {
            int label = i % 3;
            var v = new float[4];
            v[label] = 1;
            for (int f = 0; f < v.Length; f++) v[f] += (float)(noise * (random.NextDouble() * 2 - 1));
            x.Add(v);
            y.Add(label);
        }
        return (x, y);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(1.0)]
    [InlineData(100.0)]
    public void TheFitIsAStationaryPointOfTheRegularisedObjective(double c)
    {
        // Gradient of C·Σ CE + ½‖W‖², computed here independently from the head's logits: zero at the optimum.
        var (x, y) = Blobs(20, 0.9, 1);
        var head = LogisticRegressionHead.Fit(x, y, 3, c);
        var parameters = head.ToParameters();
        var w = parameters[0].Value.ToArray<float>();   // [4, 3]
        var gw = new double[12];
        var gb = new double[3];
        for (int i = 0; i < x.Count; i++)
        {
            var logits = head.Logits(x[i]);
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            for (int j = 0; j < 3; j++)
            {
                double delta = Math.Exp(logits[j] - max) / sum - (j == y[i] ? 1 : 0);
                gb[j] += c * delta;
                for (int f = 0; f < 4; f++) gw[f * 3 + j] += c * delta * x[i][f];
            }
        }
        for (int e = 0; e < 12; e++) gw[e] += w[e];
        double scale = c * x.Count; // the objective's size; the fit stops at a relative gradient of about 1e-7
        Assert.All(gw.Concat(gb), g => Assert.True(Math.Abs(g) < 1e-4 * scale, $"gradient element {g}"));
    }

    [Fact]
    public void StrongerRegularisationGivesSmallerWeights()
    {
        var (x, y) = Blobs(20, 0.5, 2);
        double Norm(double c) => LogisticRegressionHead.Fit(x, y, 3, c).ToParameters()[0].Value.ToArray<float>().Sum(v => (double)v * v);
        Assert.True(Norm(0.01) < Norm(1));
        Assert.True(Norm(1) < Norm(100));
    }

    [Fact]
    public void ItClassifiesHeldOutPointsOfSeparatedClasses()
    {
        var (x, y) = Blobs(20, 0.3, 3);
        var (tx, ty) = Blobs(10, 0.3, 4);
        var head = LogisticRegressionHead.Fit(x, y, 3, 10);
        int correct = tx.Select((v, i) => Array.IndexOf(head.Logits(v), head.Logits(v).Max()) == ty[i] ? 1 : 0).Sum();
        Assert.Equal(tx.Count, correct);
        Assert.Equal([4L, 3L], head.ToParameters()[0].Value.Dims);
    }
}
