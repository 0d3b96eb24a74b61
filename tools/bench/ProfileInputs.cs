using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Bench;

/// <summary>
/// Feeds for any of the training artifacts' graphs, chosen by input name and type alone (so the profiler keeps working
/// while the graphs change): checkpoint tensors by name, the batch's int64 inputs, 1 for float scalars
/// (2e-5 for a learning rate), step 1, ones for a dropout keep mask, zeros for gradients and optimizer state.
/// </summary>
public static class ProfileInputs
{
    /// <summary>The caller disposes the values.</summary>
    public static Dictionary<string, OrtValue> Create(InferenceSession session, SafeTensorsFile weights, TrainingBatch batch)
    {
        var values = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        long[] batchShape = batch.Inputs.Shape;
        foreach (var (name, meta) in session.InputMetadata)
        {
            var dims = meta.Dimensions.Select((d, i) => d >= 0 ? (long)d : batchShape[Math.Min(i, 1)]).ToArray();
            long count = dims.Aggregate(1L, (p, d) => p * d);
            values[name] = meta.ElementDataType switch
            {
                _ when weights.Contains(name) => OrtValue.CreateTensorValueFromMemory(weights[name].ToArray<float>(), weights[name].Dims.ToArray()),
                TensorElementType.Int64 => name switch
                {
                    ModelContract.InputIds => OrtValue.CreateTensorValueFromMemory(batch.Inputs.InputIds, batchShape),
                    ModelContract.AttentionMask => OrtValue.CreateTensorValueFromMemory(batch.Inputs.AttentionMask, batchShape),
                    ModelContract.TokenTypeIds => OrtValue.CreateTensorValueFromMemory(batch.Inputs.TokenTypeIds, batchShape),
                    LossBuilder.LabelsInputName => OrtValue.CreateTensorValueFromMemory(batch.Labels, [batch.Size]),
                    _ => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, (int)count).ToArray(), dims),
                },
                TensorElementType.Float when dims.Length == 0 =>
                    OrtValue.CreateTensorValueFromMemory(new[] { name.Contains("learning", StringComparison.OrdinalIgnoreCase) || name == "lr" ? 2e-5f : 1f }, dims),
                TensorElementType.Float when name.Contains("keep", StringComparison.OrdinalIgnoreCase) =>
                    OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1f, (int)count).ToArray(), dims),
                TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(new float[count], dims),
                var other => throw new NotSupportedException($"profile: no feed for input '{name}' of type {other}"),
            };
        }
        return values;
    }
}
