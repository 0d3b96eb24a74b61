using Microsoft.ML.OnnxRuntime;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// One batch as training-graph inputs: int64 token ids, attention mask and token types <c>[batch, sequence]</c>
/// and int64 labels <c>[batch]</c>, padded to the batch's own longest example.
/// </summary>
/// <remarks>The arrays are owned by the batch; <see cref="CreateValues"/> pins them for the duration of a run.</remarks>
public sealed class TrainingBatch
{
    public TrainingBatch(int size, int sequenceLength, long[] inputIds, long[] attentionMask, long[] labels)
    {
        Size = size;
        SequenceLength = sequenceLength;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Labels = labels;
    }

    public int Size { get; }

    public int SequenceLength { get; }

    public long[] InputIds { get; }

    public long[] AttentionMask { get; }

    public long[] Labels { get; }

    /// <summary>Count of real (unpadded) tokens, for throughput figures.</summary>
    public long TokenCount => AttentionMask.Sum();

    /// <summary>Builds a batch from examples <paramref name="indices"/> of <paramref name="data"/>, padded with <paramref name="padId"/>.</summary>
    public static TrainingBatch Collate(Data.TokenizedDataset data, IReadOnlyList<int> indices, int padId)
    {
        var inputs = Runtime.Text.EncodedBatch.FromTokenIds(indices.Count, row => data.Tokens(indices[row]), padId);
        var labels = indices.Select(i => (long)data.Label(i)).ToArray();
        return new TrainingBatch(inputs.BatchSize, inputs.SequenceLength, inputs.InputIds, inputs.AttentionMask, labels);
    }

    /// <summary>The batch inputs by graph input name; the caller disposes the values.</summary>
    internal Dictionary<string, OrtValue> CreateValues(bool withTokenTypeIds)
    {
        long[] shape = [Size, SequenceLength];
        var values = new Dictionary<string, OrtValue>
        {
            ["input_ids"] = OrtValue.CreateTensorValueFromMemory(InputIds, shape),
            ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(AttentionMask, shape),
            ["labels"] = OrtValue.CreateTensorValueFromMemory(Labels, [Size]),
        };
        if (withTokenTypeIds) values["token_type_ids"] = OrtValue.CreateTensorValueFromMemory(new long[Size * SequenceLength], shape);
        return values;
    }
}
