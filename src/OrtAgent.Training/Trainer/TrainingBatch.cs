using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Losses;

namespace OrtAgent.Training.Trainer;

/// <summary>One batch as training-graph inputs: the encoder inputs, padded to the batch's own longest example, and int64 labels.</summary>
/// <remarks>The arrays are owned by the batch; <see cref="CreateValues"/> pins them for the duration of a run.</remarks>
public sealed class TrainingBatch(EncodedBatch inputs, long[] labels)
{
    /// <summary>Token ids, attention mask and token types, <c>[Size, SequenceLength]</c>.</summary>
    public EncodedBatch Inputs { get; } = inputs;

    /// <summary>Label indices <c>[Size]</c>.</summary>
    public long[] Labels { get; } = labels;

    public int Size => Inputs.BatchSize;

    /// <summary>Builds a batch from examples <paramref name="indices"/> of <paramref name="data"/>, padded with <paramref name="padId"/>.</summary>
    public static TrainingBatch Collate(Data.TokenizedDataset data, IReadOnlyList<int> indices, int padId) =>
        new(EncodedBatch.FromTokenIds(indices.Count, row => data.Tokens(indices[row]), padId),
            indices.Select(i => (long)data.Label(i)).ToArray());

    /// <summary>The batch inputs by graph input name; the caller disposes the values.</summary>
    internal Dictionary<string, OrtValue> CreateValues(bool withTokenTypeIds)
    {
        long[] shape = Inputs.Shape;
        var values = new Dictionary<string, OrtValue>
        {
            [ModelContract.InputIds] = OrtValue.CreateTensorValueFromMemory(Inputs.InputIds, shape),
            [ModelContract.AttentionMask] = OrtValue.CreateTensorValueFromMemory(Inputs.AttentionMask, shape),
            [LossBuilder.LabelsInputName] = OrtValue.CreateTensorValueFromMemory(Labels, [Size]),
        };
        if (withTokenTypeIds) values[ModelContract.TokenTypeIds] = OrtValue.CreateTensorValueFromMemory(Inputs.TokenTypeIds, shape);
        return values;
    }
}
