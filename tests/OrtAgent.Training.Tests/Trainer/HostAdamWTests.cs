using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Parameters;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>The fused host step against the optimizer graph it stands in for on the CPU.</summary>
public sealed class HostAdamWTests
{
    // Two tensors span several 64 Ki-element chunks, and none is a multiple of the vector width.
    private static readonly TrainableParameter[] Parameters =
    [
        new("encoder.dense.weight", [371, 389]),
        new("encoder.dense.bias", [389]),
        new("encoder.LayerNorm.weight", [37]),
        new("embeddings.word_embeddings.weight", [101, 700]),
    ];

    [Theory]
    [InlineData(1.0, 0.01, 1)]   // gradients clipped, decay on all but the exclusions
    [InlineData(0.0, 0.01, 2)]   // no clipping
    [InlineData(1e6, 0.0, 2)]    // clipping on but never reached, no decay
    public void FiveStepsMatchTheOptimizerGraph(double maxGradNorm, double weightDecay, int threads)
    {
        var options = new AdamWOptions { WeightDecay = weightDecay };
        using var graph = OnnxRunner.FromModel(AdamWOptimizerGraph.Build(Parameters, options));
        var host = HostAdamW.Create(options, Parameters.Select(p => p.Name).ToArray(), Parameters.Select(p => p.ElementCount).ToArray(), threads);

        var random = new Random(5);
        float[][] Fill(double scale) => Parameters.Select(p => Enumerable.Range(0, (int)p.ElementCount)
            .Select(_ => (float)(scale * (random.NextDouble() - 0.5))).ToArray()).ToArray();
        var parameters = Fill(1);
        var (m, v) = (Parameters.Select(p => new float[p.ElementCount]).ToArray(), Parameters.Select(p => new float[p.ElementCount]).ToArray());
        var (hostParameters, hostM, hostV) = (Copy(parameters), Copy(m), Copy(v));

        for (int step = 1; step <= 5; step++)
        {
            var gradients = Fill(step == 1 ? 0.5 : 0.01);
            float lr = 1e-3f / step;
            var feeds = new Dictionary<string, TensorData>
            {
                [OptimizerGraphNames.LearningRate] = TensorData.Scalar(lr),
                [OptimizerGraphNames.Step] = TensorData.Create<long>([], [step]),
                [OptimizerGraphNames.MaxGradNorm] = TensorData.Scalar((float)maxGradNorm),
            };
            for (int k = 0; k < Parameters.Length; k++)
            {
                var (name, shape) = (Parameters[k].Name, Parameters[k].Shape);
                feeds[name] = TensorData.Create<float>(shape, parameters[k]);
                feeds[OptimizerGraphNames.Gradient(name)] = TensorData.Create<float>(shape, gradients[k]);
                feeds[OptimizerGraphNames.State(name, AdamWOptimizerGraph.FirstMoment)] = TensorData.Create<float>(shape, m[k]);
                feeds[OptimizerGraphNames.State(name, AdamWOptimizerGraph.SecondMoment)] = TensorData.Create<float>(shape, v[k]);
            }
            var outputs = graph.Run(feeds);

            var values = new List<OrtValue>();
            OrtValue[] Values(float[][] arrays) => arrays.Select((a, k) =>
            {
                var value = OrtValue.CreateTensorValueFromMemory(a, Parameters[k].Shape.ToArray());
                values.Add(value);
                return value;
            }).ToArray();
            float hostNorm = host.Step(Values(hostParameters), Values(gradients), Values(hostM), Values(hostV), lr, step, (float)maxGradNorm);
            foreach (var value in values) value.Dispose();

            Assert.Equal(outputs[OptimizerGraphNames.GradNorm].ToDoubles().Single(), hostNorm, 3e-6 * hostNorm);
            for (int k = 0; k < Parameters.Length; k++)
            {
                var name = Parameters[k].Name;
                parameters[k] = outputs[OptimizerGraphNames.Updated(name)].ToArray<float>();
                m[k] = outputs[OptimizerGraphNames.Updated(OptimizerGraphNames.State(name, AdamWOptimizerGraph.FirstMoment))].ToArray<float>();
                v[k] = outputs[OptimizerGraphNames.Updated(OptimizerGraphNames.State(name, AdamWOptimizerGraph.SecondMoment))].ToArray<float>();
                AssertClose(parameters[k], hostParameters[k], 1e-5 * lr, name);
                AssertClose(m[k], hostM[k], 1e-5 * m[k].Max(Math.Abs), name + " exp_avg");
                AssertClose(v[k], hostV[k], 1e-5 * v[k].Max(Math.Abs), name + " exp_avg_sq");
            }
        }
    }

    private static float[][] Copy(float[][] arrays) => arrays.Select(a => (float[])a.Clone()).ToArray();

    // The same float operations in the same order, but the graph sums the squared gradients in float (the host in double),
    // which moves the clip factor by about 2e-6, and ONNX Runtime's kernels move results by ulps; a parameter's error is
    // measured against the size of its step (the learning rate), a moment's against the tensor's largest (the moments
    // cancel towards zero).
    private static void AssertClose(float[] expected, float[] actual, double slack, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 5e-6 * Math.Abs(expected[i]) + slack + 1e-12;
            if (Math.Abs(expected[i] - actual[i]) > tolerance)
                Assert.Fail($"{what}[{i}]: graph {expected[i]:R}, host {actual[i]:R}");
        }
    }
}
