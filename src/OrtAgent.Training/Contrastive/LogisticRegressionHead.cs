using OrtAgent.Onnx;
using OrtAgent.Training.Heads;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// Multinomial logistic regression on fixed feature vectors, the second stage of SetFit: minimises
/// <c>C · Σᵢ CE(W·xᵢ + b, yᵢ) + ½‖W‖²</c> (scikit-learn's <c>LogisticRegression(C)</c> objective; the bias is not
/// penalised) by L-BFGS in double precision. The fitted weights use the exported head's layout: <c>classifier.weight</c>
/// <c>[features, classes]</c>, <c>classifier.bias</c> <c>[classes]</c>.
/// </summary>
public sealed class LogisticRegressionHead
{
    private readonly double[] _weights; // [features, classes], row-major
    private readonly double[] _bias;

    private LogisticRegressionHead(int features, int classes, double c, double[] weights, double[] bias, int iterations)
    {
        Features = features;
        Classes = classes;
        C = c;
        _weights = weights;
        _bias = bias;
        Iterations = iterations;
    }

    /// <summary>Length of the feature vectors the head reads (the encoder's hidden size).</summary>
    public int Features { get; }

    /// <summary>Number of classes: the outputs of the head.</summary>
    public int Classes { get; }

    /// <summary>The inverse regularisation strength the head was fitted with.</summary>
    public double C { get; }

    /// <summary>L-BFGS iterations the fit took.</summary>
    public int Iterations { get; }

    /// <summary>Fits the head to <paramref name="features"/> (one vector per example, all of one length) and class indices.</summary>
    /// <exception cref="ArgumentException">The inputs are empty, ragged, or a label is out of range.</exception>
    public static LogisticRegressionHead Fit(IReadOnlyList<float[]> features, IReadOnlyList<int> labels, int classes, double c)
    {
        if (features.Count == 0 || features.Count != labels.Count) throw new ArgumentException("One label per feature vector, at least one vector.");
        if (!(c > 0)) throw new ArgumentOutOfRangeException(nameof(c), c, "C must be positive.");
        int d = features[0].Length, n = features.Count, k = classes;
        if (features.Any(f => f.Length != d)) throw new ArgumentException("Feature vectors differ in length.", nameof(features));
        if (labels.Any(y => y < 0 || y >= k)) throw new ArgumentException("A label is out of range.", nameof(labels));

        // Scaled by 1/(C·n) so the objective is a mean loss of order 1, which keeps the tolerances meaningful.
        double penalty = 1 / (c * n);
        var logits = new double[k];
        double Objective(ReadOnlySpan<double> theta, Span<double> gradient)
        {
            var w = theta[..(d * k)];
            var b = theta[(d * k)..];
            gradient.Clear();
            var gw = gradient[..(d * k)];
            var gb = gradient[(d * k)..];
            double loss = 0;
            for (int i = 0; i < n; i++)
            {
                var x = features[i];
                Logits(w, b, x, logits);
                double max = logits.Max(), sum = 0;
                for (int j = 0; j < k; j++) sum += Math.Exp(logits[j] - max);
                double logSum = max + Math.Log(sum);
                loss += logSum - logits[labels[i]];
                for (int j = 0; j < k; j++)
                {
                    // d CE / d logit_j = softmax_j − [j = y], averaged over the examples.
                    double delta = (Math.Exp(logits[j] - logSum) - (j == labels[i] ? 1 : 0)) / n;
                    gb[j] += delta;
                    for (int f = 0; f < d; f++) gw[f * k + j] += delta * x[f];
                }
            }
            double squares = 0;
            for (int e = 0; e < w.Length; e++)
            {
                squares += w[e] * w[e];
                gw[e] += penalty * w[e];
            }
            return loss / n + 0.5 * penalty * squares;
        }

        var theta = new double[d * k + k];
        var (_, iterations) = LbfgsMinimizer.Minimize(Objective, theta, maxIterations: 1000, tolerance: 1e-7);
        return new LogisticRegressionHead(d, k, c, theta[..(d * k)], theta[(d * k)..], iterations);
    }

    private static void Logits(ReadOnlySpan<double> w, ReadOnlySpan<double> b, float[] x, double[] logits)
    {
        int k = b.Length;
        for (int j = 0; j < k; j++) logits[j] = b[j];
        for (int f = 0; f < x.Length; f++)
        {
            double xf = x[f];
            if (xf == 0) continue;
            for (int j = 0; j < k; j++) logits[j] += w[f * k + j] * xf;
        }
    }

    /// <summary>The class scores <c>W·x + b</c> of one feature vector.</summary>
    public float[] Logits(float[] x)
    {
        if (x.Length != Features) throw new ArgumentException($"Expected {Features} features, got {x.Length}.", nameof(x));
        var logits = new double[Classes];
        Logits(_weights, _bias, x, logits);
        return logits.Select(v => (float)v).ToArray();
    }

    /// <summary>The cross-entropy <c>log Σ exp(logits) − logits[label]</c> of class scores against the true class.</summary>
    public static double CrossEntropy(float[] logits, int label)
    {
        double max = logits.Max();
        return max + Math.Log(logits.Sum(v => Math.Exp(v - max))) - logits[label];
    }

    /// <summary>The head as the exported model's parameters <c>classifier.weight</c> and <c>classifier.bias</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, TensorData>> ToParameters() =>
    [
        new(ClassifierHead.WeightName, TensorData.Create<float>([Features, Classes], _weights.Select(v => (float)v).ToArray())),
        new(ClassifierHead.BiasName, TensorData.Create<float>([Classes], _bias.Select(v => (float)v).ToArray())),
    ];
}
