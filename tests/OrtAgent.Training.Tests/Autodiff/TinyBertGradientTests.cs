using Microsoft.ML.OnnxRuntime;
using OrtAgent.Onnx;
using OrtAgent.Training.Autodiff;
using OrtAgent.Training.Encoders;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests.Autodiff;

/// <summary>
/// The whole path the trainer will differentiate: tiny BERT (float32: Erf has no double kernel) + masked mean-pool +
/// linear head + softmax cross-entropy (LogSoftmax, one-hot Mul, ReduceSum, ReduceMean). Gradients of every
/// parameter are built; a few elements of several parameters are compared with central differences.
/// </summary>
public sealed class TinyBertGradientTests(ITestOutputHelper output)
{
    private static readonly long[] Ids = [2, 10, 11, 12, 3, 0, 2, 13, 10, 14, 15, 3];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1];
    private static readonly long[] Types = new long[12];

    // Parameter name → flat element indices checked (word rows 10 and 13 are in the batch, row 20 is not).
    private static readonly (string Name, int[] Elements)[] Checked =
    [
        ("embeddings.word_embeddings.weight", [10 * 32 + 0, 10 * 32 + 7, 13 * 32 + 31, 20 * 32 + 5]),
        ("embeddings.position_embeddings.weight", [1 * 32 + 3, 5 * 32 + 9]),
        ("embeddings.LayerNorm.weight", [0, 17]),
        ("encoder.layer.0.attention.self.query.weight", [0, 33, 500, 1023]),
        ("encoder.layer.0.attention.self.key.bias", [4, 30]),   // softmax ignores a shift shared by all keys: zero
        ("encoder.layer.0.attention.self.value.bias", [1, 20]),
        ("encoder.layer.1.intermediate.dense.weight", [3, 1000]),
        ("encoder.layer.1.output.dense.bias", [0, 31]),
        ("encoder.layer.1.output.LayerNorm.bias", [2]),
        ("classifier.weight", [0, 50]),
    ];

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var graph = TinyBertBuilder.Build(new TinyBertOptions { Layers = 2, Hidden = 32, Heads = 4, Intermediate = 64, VocabSize = 40, MaxPositions = 16 });
        var loss = AddClassifierLoss(graph);
        var parameters = graph.Initializers.Where(v => v.Type == ElementType.Float).ToList();
        // The checked parameters become graph inputs so finite differences can perturb them in one session.
        var inputs = new Dictionary<string, (Value Value, float[] Data)>();
        foreach (var (name, _) in Checked)
        {
            var init = parameters.Single(p => p.Name == name);
            var data = init.Initializer!;
            graph.RemoveInitializer(init);
            var input = graph.AddInput(name, ElementType.Float, data.Dims.Select(Dim.Known).ToArray());
            graph.ReplaceAllUses(init, input);
            parameters[parameters.IndexOf(init)] = input;
            inputs[name] = (input, data.ToArray<float>());
        }
        int forwardNodes = graph.Nodes.Count;
        var grads = GradientBuilder.Build(graph, loss, parameters, new GradientBuilderOptions { AddGradientOutputs = true });
        output.WriteLine($"{parameters.Count} parameters, {forwardNodes} forward nodes, {graph.Nodes.Count - forwardNodes} backward nodes: " +
            string.Join(", ", graph.Nodes.Skip(forwardNodes).GroupBy(n => n.OpType).OrderByDescending(x => x.Count()).Select(x => $"{x.Key} {x.Count()}")));

        using var session = GradientCheck.Session(graph);
        var analytic = Run(session, inputs, Checked.Select(c => grads[inputs[c.Name].Value].Name).ToArray());
        const float h = 1e-2f;
        double worst = 0;
        for (int k = 0; k < Checked.Length; k++)
        {
            var (name, elements) = Checked[k];
            var data = inputs[name].Data;
            foreach (var e in elements)
            {
                float saved = data[e];
                data[e] = saved + h;
                double plus = Run(session, inputs, [loss.Name])[0][0];
                data[e] = saved - h;
                double minus = Run(session, inputs, [loss.Name])[0][0];
                data[e] = saved;
                double fd = (plus - minus) / (2 * h), a = analytic[k][e];
                double error = Math.Abs(fd - a) / (1e-3 + Math.Abs(fd));
                worst = Math.Max(worst, error);
                output.WriteLine($"{name}[{e}]: analytic {a:E4}, finite difference {fd:E4}, error {error:E2}");
                Assert.True(error < 0.05, $"{name}[{e}]: analytic {a}, finite difference {fd}");
            }
        }
        Assert.All(analytic[0].Skip(20 * 32).Take(32), v => Assert.Equal(0f, v));
        output.WriteLine($"worst |a - fd| / (1e-3 + |fd|) = {worst:E2}");
    }

    /// <summary>Masked mean-pool, linear head over 3 classes, mean cross-entropy against fixed labels.</summary>
    private static Value AddClassifierLoss(Graph g)
    {
        var hidden = g.Outputs.Single();
        g.Outputs.Clear();
        var mask = g.Unsqueeze(g.Cast(g.Inputs.Single(i => i.Name == "attention_mask"), ElementType.Float), -1);
        var pooled = g.Div(g.ReduceSum(g.Mul(hidden, mask), [1], keepDims: false), g.ReduceSum(mask, [1], keepDims: false));
        var random = new Random(5);
        var w = g.AddInitializer("classifier.weight", TensorData.Create<float>([32, 3], Enumerable.Range(0, 96).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()));
        var b = g.AddInitializer("classifier.bias", TensorData.Create<float>([3], [0.1f, -0.2f, 0.05f]));
        var logits = g.Add(g.MatMul(pooled, w), b);
        var oneHot = g.Constant(TensorData.Create<float>([2, 3], [0, 0, 1, 1, 0, 0]));
        var perExample = g.Neg(g.ReduceSum(g.Mul(oneHot, g.LogSoftmax(logits)), [-1], keepDims: false));
        var loss = g.ReduceMean(perExample, [0], keepDims: false);
        loss.Type = ElementType.Float;
        g.AddOutput(loss);
        return loss;
    }

    private static double[][] Run(InferenceSession session, Dictionary<string, (Value Value, float[] Data)> parameters, string[] outputs)
    {
        var names = new List<string> { "input_ids", "attention_mask", "token_type_ids" };
        var values = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(Ids.ToArray(), [2, 6]),
            OrtValue.CreateTensorValueFromMemory(Mask.ToArray(), [2, 6]),
            OrtValue.CreateTensorValueFromMemory(Types.ToArray(), [2, 6]),
        };
        foreach (var (name, (value, data)) in parameters)
        {
            names.Add(name);
            values.Add(OrtValue.CreateTensorValueFromMemory(data.ToArray(), value.Shape!.Select(d => d.Value!.Value).ToArray()));
        }
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputs);
            return results.Select(r => GradientCheck.Read(r, isDouble: false)).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}
