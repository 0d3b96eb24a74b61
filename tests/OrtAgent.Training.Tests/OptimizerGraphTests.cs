using OrtAgent.Onnx;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Parameters;

namespace OrtAgent.Training.Tests;

public class OptimizerGraphTests
{
    private static readonly TrainableParameter[] Parameters =
    [
        new("encoder.dense.weight", [2, 3]),
        new("encoder.dense.bias", [3]),
        new("encoder.LayerNorm.weight", [3]),
    ];

    private static readonly double[] LearningRates = [1e-2, 5e-3, 2e-3];

    // Step 1 has a large gradient (norm > 1, clipped), steps 2 and 3 small ones (not clipped).
    private static double[][] GradientsAt(int step) => Parameters.Select((p, k) =>
        Enumerable.Range(0, (int)p.ElementCount).Select(i => (step == 1 ? 2.0 : 0.1) * Math.Sin(1 + i + 3 * k + 7 * step)).ToArray()).ToArray();

    private static double[][] InitialValues() => Parameters.Select((p, k) =>
        Enumerable.Range(0, (int)p.ElementCount).Select(i => 0.5 + 0.25 * Math.Cos(i + 5 * k)).ToArray()).ToArray();

    /// <summary>Clips like torch.nn.utils.clip_grad_norm_, returning the pre-clip norm.</summary>
    private static double ClipInPlace(double[][] grads, double maxNorm)
    {
        double norm = Math.Sqrt(grads.Sum(g => g.Sum(x => x * x)));
        double scale = Math.Min(1.0, maxNorm / (norm + 1e-6));
        foreach (var g in grads)
            for (int i = 0; i < g.Length; i++) g[i] *= scale;
        return norm;
    }

    [Fact]
    public void AdamWMatchesPyTorchsAlgorithmOverThreeStepsWithClippingAndDecayExclusions()
    {
        var options = new AdamWOptions { WeightDecay = 0.1, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8 };
        using var runner = OnnxRunner.FromModel(AdamWOptimizerGraph.Build(Parameters, options));
        const double maxNorm = 1.0;

        var reference = InitialValues();
        var m = Parameters.Select(p => new double[p.ElementCount]).ToArray();
        var v = Parameters.Select(p => new double[p.ElementCount]).ToArray();
        var current = InitialValues().Select(a => a.Select(x => (float)x).ToArray()).ToArray();
        var currentM = Parameters.Select(p => new float[p.ElementCount]).ToArray();
        var currentV = Parameters.Select(p => new float[p.ElementCount]).ToArray();

        for (int step = 1; step <= 3; step++)
        {
            double lr = LearningRates[step - 1];
            var grads = GradientsAt(step);
            var feeds = ScalarFeeds(lr, step, maxNorm);
            for (int k = 0; k < Parameters.Length; k++)
            {
                var p = Parameters[k];
                feeds[p.Name] = TensorData.Create<float>(p.Shape, current[k]);
                feeds[p.Name + "_grad"] = TensorData.Create<float>(p.Shape, grads[k].Select(x => (float)x).ToArray());
                feeds[p.Name + ".exp_avg"] = TensorData.Create<float>(p.Shape, currentM[k]);
                feeds[p.Name + ".exp_avg_sq"] = TensorData.Create<float>(p.Shape, currentV[k]);
            }
            var outputs = runner.Run(feeds);

            // Reference: torch.optim.AdamW._single_tensor_adamw, line by line.
            double norm = ClipInPlace(grads, maxNorm);
            double bc1 = 1 - Math.Pow(0.9, step), bc2 = 1 - Math.Pow(0.999, step);
            for (int k = 0; k < Parameters.Length; k++)
            {
                bool decays = k == 0;
                for (int i = 0; i < reference[k].Length; i++)
                {
                    double g = grads[k][i];
                    if (decays) reference[k][i] *= 1 - lr * 0.1;
                    m[k][i] += (g - m[k][i]) * (1 - 0.9);
                    v[k][i] = v[k][i] * 0.999 + (1 - 0.999) * g * g;
                    double denom = Math.Sqrt(v[k][i]) / Math.Sqrt(bc2) + 1e-8;
                    reference[k][i] -= lr / bc1 * m[k][i] / denom;
                }
            }

            Assert.Equal(norm, outputs["grad_norm"].ToDoubles().Single(), 5);
            for (int k = 0; k < Parameters.Length; k++)
            {
                var name = Parameters[k].Name;
                AssertClose(reference[k], outputs[name + ".new"].ToDoubles());
                AssertClose(m[k], outputs[name + ".exp_avg.new"].ToDoubles());
                AssertClose(v[k], outputs[name + ".exp_avg_sq.new"].ToDoubles());
                current[k] = outputs[name + ".new"].ToArray<float>();
                currentM[k] = outputs[name + ".exp_avg.new"].ToArray<float>();
                currentV[k] = outputs[name + ".exp_avg_sq.new"].ToArray<float>();
            }
        }
    }

    [Fact]
    public void AdamWWithoutClippingLeavesGradientsAlone()
    {
        using var runner = OnnxRunner.FromModel(AdamWOptimizerGraph.Build([new TrainableParameter("w", [2])], new AdamWOptions { WeightDecay = 0 }));
        var feeds = ScalarFeeds(0.1, 1, 0.0);
        feeds["w"] = TensorData.Vector(1f, 1f);
        feeds["w_grad"] = TensorData.Vector(30f, -40f);
        feeds["w.exp_avg"] = TensorData.Vector(0f, 0f);
        feeds["w.exp_avg_sq"] = TensorData.Vector(0f, 0f);
        var outputs = runner.Run(feeds);
        Assert.Equal(50.0, outputs["grad_norm"].ToDoubles().Single(), 4);
        // First Adam step moves each weight by lr·sign(g) (up to ε), whatever the gradient's size.
        AssertClose([0.9, 1.1], outputs["w.new"].ToDoubles());
        AssertClose([3.0, -4.0], outputs["w.exp_avg.new"].ToDoubles());
    }

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.0)]
    [InlineData(false, 0.5)]
    public void SgdMatchesPyTorchsAlgorithmOverThreeSteps(bool nesterov, double dampening)
    {
        var options = new SgdOptions { Momentum = 0.9, Nesterov = nesterov, Dampening = dampening, WeightDecay = 0.05 };
        using var runner = OnnxRunner.FromModel(SgdOptimizerGraph.Build(Parameters, options));
        const double maxNorm = 1.0;
        var reference = InitialValues();
        var buffers = new double[Parameters.Length][];
        var current = InitialValues().Select(a => a.Select(x => (float)x).ToArray()).ToArray();
        var currentBuffers = Parameters.Select(p => new float[p.ElementCount]).ToArray();

        for (int step = 1; step <= 3; step++)
        {
            double lr = LearningRates[step - 1];
            var grads = GradientsAt(step);
            var feeds = ScalarFeeds(lr, step, maxNorm);
            for (int k = 0; k < Parameters.Length; k++)
            {
                var p = Parameters[k];
                feeds[p.Name] = TensorData.Create<float>(p.Shape, current[k]);
                feeds[p.Name + "_grad"] = TensorData.Create<float>(p.Shape, grads[k].Select(x => (float)x).ToArray());
                feeds[p.Name + ".momentum_buffer"] = TensorData.Create<float>(p.Shape, currentBuffers[k]);
            }
            var outputs = runner.Run(feeds);

            // Reference: torch.optim.SGD._single_tensor_sgd.
            ClipInPlace(grads, maxNorm);
            for (int k = 0; k < Parameters.Length; k++)
            {
                var d = grads[k].Select((g, i) => k == 0 ? g + 0.05 * reference[k][i] : g).ToArray();
                buffers[k] = buffers[k] is null ? d.ToArray() : buffers[k].Select((b, i) => 0.9 * b + (1 - dampening) * d[i]).ToArray();
                var direction = nesterov ? d.Select((x, i) => x + 0.9 * buffers[k][i]).ToArray() : buffers[k];
                for (int i = 0; i < d.Length; i++) reference[k][i] -= lr * direction[i];
            }
            for (int k = 0; k < Parameters.Length; k++)
            {
                var name = Parameters[k].Name;
                AssertClose(reference[k], outputs[name + ".new"].ToDoubles());
                AssertClose(buffers[k], outputs[name + ".momentum_buffer.new"].ToDoubles());
                current[k] = outputs[name + ".new"].ToArray<float>();
                currentBuffers[k] = outputs[name + ".momentum_buffer.new"].ToArray<float>();
            }
        }
    }

    [Fact]
    public void PlainSgdHasNoState()
    {
        var model = SgdOptimizerGraph.Build(Parameters, new SgdOptions { Momentum = 0 });
        Assert.DoesNotContain(model.Graph.Inputs, i => i.Name.Contains("momentum"));
        Assert.Equal(1 + Parameters.Length, model.Graph.Outputs.Count);
        Assert.Empty(SgdOptimizerGraph.StateNamesFor(new SgdOptions { Momentum = 0 }));
    }

    [Fact]
    public void InputsFollowTheDocumentedOrder()
    {
        var model = AdamWOptimizerGraph.Build(Parameters);
        var names = model.Graph.Inputs.Select(i => i.Name).ToArray();
        Assert.Equal(["learning_rate", "step", "max_grad_norm", "encoder.dense.weight", "encoder.dense.weight_grad",
            "encoder.dense.weight.exp_avg", "encoder.dense.weight.exp_avg_sq"], names.Take(7));
        Assert.Equal("grad_norm", model.Graph.Outputs[0].Name);
    }

    [Fact]
    public void OptionsAreValidatedUpFront()
    {
        Assert.Throws<InvalidOptionException>(() => AdamWOptimizerGraph.Build(Parameters, new AdamWOptions { Beta1 = 1 }));
        Assert.Throws<InvalidOptionException>(() => SgdOptimizerGraph.Build(Parameters, new SgdOptions { Nesterov = true, Momentum = 0 }));
    }

    private static Dictionary<string, TensorData> ScalarFeeds(double lr, long step, double maxNorm) => new()
    {
        ["learning_rate"] = TensorData.Scalar((float)lr),
        ["step"] = TensorData.Scalar(step),
        ["max_grad_norm"] = TensorData.Scalar((float)maxNorm),
    };

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-6 + 2e-5 * Math.Abs(expected[i]),
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
