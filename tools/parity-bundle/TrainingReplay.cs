using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;

namespace OrtAgent.Tools.ParityBundle;

/// <summary>What OrtAgent's graphs computed: the gradients at the initial weights, then one loss and norm per step.</summary>
internal sealed record ReplayResult(
    IReadOnlyDictionary<string, float[]> InitialGradients,
    IReadOnlyList<double> Losses,
    IReadOnlyList<double> GradNorms);

/// <summary>
/// Runs the artifacts' training graph and optimizer graph directly on ONNX Runtime, the way the trainer wires them
/// (gradients out of one, into the other by name), on one fixed batch: <c>steps</c> optimizer steps and
/// <c>steps + 1</c> losses. Deliberately not the trainer loop: the bundle must measure the graphs, not its bookkeeping.
/// </summary>
internal static class TrainingReplay
{
    public static ReplayResult Run(TrainingArtifacts artifacts, IReadOnlyDictionary<string, float[]> initialWeights,
        IReadOnlyDictionary<string, long[]> shapes, EncodedBatch batch, long[] labels,
        IReadOnlyList<double> learningRates, float maxGradNorm)
    {
        var trainable = artifacts.Properties.TrainableParameters;
        var parameters = trainable.ToDictionary(name => name, name => (float[])initialWeights[name].Clone());
        var states = trainable
            .SelectMany(name => artifacts.Properties.OptimizerStates.Select(state => OptimizerGraphNames.State(name, state)))
            .ToDictionary(stateName => stateName, stateName => new float[parameters[ParameterOf(stateName, trainable)].Length]);

        using var training = new InferenceSession(artifacts.TrainingModelPath);
        using var optimizer = new InferenceSession(artifacts.OptimizerModelPath);
        long[] batchShape = batch.Shape;
        var losses = new List<double>();
        var norms = new List<double>();
        Dictionary<string, float[]>? initialGradients = null;

        for (int step = 0; ; step++)
        {
            var feeds = new Dictionary<string, (Array Data, long[] Shape)>
            {
                [ModelContract.InputIds] = (batch.InputIds, batchShape),
                [ModelContract.AttentionMask] = (batch.AttentionMask, batchShape),
                [ModelContract.TokenTypeIds] = (batch.TokenTypeIds, batchShape),
                [LossBuilder.LabelsInputName] = (labels, [labels.Length]),
                // Parity runs without dropout: keep every pooled element, scale the loss by 1.
                [TrainingGraphNames.LossScale] = (new[] { 1f }, []),
                [ClassifierHead.DropoutKeepInputName] = (Enumerable.Repeat(1f, batch.BatchSize * artifacts.Properties.HiddenSize).ToArray(),
                    [batch.BatchSize, artifacts.Properties.HiddenSize]),
            };
            foreach (var name in trainable)
            {
                feeds[name] = (parameters[name], shapes[name]);
                // Zeros: each step's gradient is this batch's alone, no accumulation.
                feeds[OptimizerGraphNames.Gradient(name) + ".accumulated"] = (new float[parameters[name].Length], shapes[name]);
            }
            var outputs = RunSession(training, feeds, ["loss", .. trainable.Select(OptimizerGraphNames.Gradient)]);
            losses.Add(outputs["loss"][0]);
            var gradients = trainable.ToDictionary(name => name, name => outputs[OptimizerGraphNames.Gradient(name)]);
            initialGradients ??= gradients;
            if (step == learningRates.Count)
            {
                // The optimizer graph reports the norm of the gradients it is given; the last gradients meet no optimizer.
                norms.Add(Math.Sqrt(gradients.Values.Sum(g => g.Sum(x => (double)x * x))));
                break;
            }

            var optimizerFeeds = new Dictionary<string, (Array Data, long[] Shape)>
            {
                [OptimizerGraphNames.LearningRate] = (new[] { (float)learningRates[step] }, []),
                [OptimizerGraphNames.Step] = (new[] { (long)step + 1 }, []),
                [OptimizerGraphNames.MaxGradNorm] = (new[] { maxGradNorm }, []),
            };
            foreach (var name in trainable)
            {
                optimizerFeeds[name] = (parameters[name], shapes[name]);
                optimizerFeeds[OptimizerGraphNames.Gradient(name)] = (gradients[name], shapes[name]);
            }
            foreach (var (stateName, state) in states)
                optimizerFeeds[stateName] = (state, shapes[ParameterOf(stateName, trainable)]);
            var updated = RunSession(optimizer, optimizerFeeds,
                [OptimizerGraphNames.GradNorm, .. parameters.Keys.Concat(states.Keys).Select(OptimizerGraphNames.Updated)]);
            norms.Add(updated[OptimizerGraphNames.GradNorm][0]);
            foreach (var name in trainable) parameters[name] = updated[OptimizerGraphNames.Updated(name)];
            foreach (var stateName in states.Keys.ToList()) states[stateName] = updated[OptimizerGraphNames.Updated(stateName)];
        }
        return new ReplayResult(initialGradients!, losses, norms);
    }

    private static string ParameterOf(string stateName, IReadOnlyList<string> trainable) =>
        trainable.First(name => stateName.StartsWith(name + ".", StringComparison.Ordinal)
            && !stateName[(name.Length + 1)..].Contains('.'));

    /// <summary>Feeds exactly the inputs the session declares (an undeclared one would be a contract change worth failing on).</summary>
    private static Dictionary<string, float[]> RunSession(InferenceSession session,
        IReadOnlyDictionary<string, (Array Data, long[] Shape)> available, IReadOnlyList<string> outputNames)
    {
        var inputNames = session.InputNames.ToArray();
        var values = new List<OrtValue>();
        try
        {
            foreach (var name in inputNames)
            {
                if (!available.TryGetValue(name, out var feed))
                    throw new InvalidOperationException($"The graph has an input '{name}' this tool does not know how to feed.");
                values.Add(feed.Data switch
                {
                    float[] floats => OrtValue.CreateTensorValueFromMemory(floats, feed.Shape),
                    long[] longs => OrtValue.CreateTensorValueFromMemory(longs, feed.Shape),
                    _ => throw new InvalidOperationException($"Input '{name}' has an unsupported element type."),
                });
            }
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputNames, values, outputNames.ToArray());
            var map = new Dictionary<string, float[]>();
            for (int i = 0; i < outputNames.Count; i++) map[outputNames[i]] = results[i].GetTensorDataAsSpan<float>().ToArray();
            return map;
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }
}
