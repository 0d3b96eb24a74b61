using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Losses;

namespace OrtAgent.Training.Trainer;

/// <summary>One batch as training-graph inputs: the encoder inputs, padded to the batch's own longest example, and int64 labels.</summary>
/// <remarks>The arrays are owned by the batch; <see cref="CreateValues"/> pins them for the duration of a run.</remarks>
public sealed class TrainingBatch(EncodedBatch inputs, long[] labels, float[]? teacherLogits = null, long[]? pairRows = null)
{
    /// <summary>Token ids, attention mask and token types, <c>[Size, SequenceLength]</c>.</summary>
    public EncodedBatch Inputs { get; } = inputs;

    /// <summary>Label indices <c>[Size]</c>.</summary>
    public long[] Labels { get; } = labels;

    /// <summary>The teacher's logits <c>[Size, labels]</c> row-major, when the data set carries them (distillation).</summary>
    public float[]? TeacherLogits { get; } = teacherLogits;

    /// <summary>
    /// For pair training (<see cref="CollatePairs"/>): the batch row of every pair's first text, then of every pair's
    /// second text; null otherwise.
    /// </summary>
    public long[]? PairRows { get; } = pairRows;

    /// <summary>Rows in the batch: examples, or for pair training the distinct texts of its pairs.</summary>
    public int Size => Inputs.BatchSize;

    /// <summary>
    /// Builds a batch from examples <paramref name="indices"/> of <paramref name="data"/>, padded with <paramref name="padId"/>,
    /// with their teacher logits when <paramref name="data"/> has them.
    /// </summary>
    public static TrainingBatch Collate(Data.TokenizedDataset data, IReadOnlyList<int> indices, int padId)
    {
        float[]? teacher = null;
        if (data.HasTeacherLogits)
        {
            int width = data.TeacherWidth;
            teacher = new float[indices.Count * width];
            for (int row = 0; row < indices.Count; row++) data.TeacherLogits(indices[row]).CopyTo(teacher.AsSpan(row * width, width));
        }
        return new(EncodedBatch.FromTokenIds(indices.Count, row => data.Tokens(indices[row]), padId),
            indices.Select(i => (long)data.Label(i)).ToArray(), teacher);
    }

    /// <summary>
    /// Builds a pair batch: each distinct example of <paramref name="pairTexts"/> (the pairs' first texts, then their
    /// second texts, in the same order) once, in order of first appearance, and <see cref="PairRows"/> pointing every
    /// entry of <paramref name="pairTexts"/> at its row.
    /// </summary>
    public static TrainingBatch CollatePairs(Data.TokenizedDataset data, IReadOnlyList<int> pairTexts, int padId)
    {
        var rowOf = new Dictionary<int, int>();
        var distinct = new List<int>();
        var pairRows = new long[pairTexts.Count];
        for (int i = 0; i < pairTexts.Count; i++)
        {
            if (!rowOf.TryGetValue(pairTexts[i], out int row))
            {
                row = rowOf[pairTexts[i]] = distinct.Count;
                distinct.Add(pairTexts[i]);
            }
            pairRows[i] = row;
        }
        var rows = Collate(data, distinct, padId);
        return new(rows.Inputs, rows.Labels, rows.TeacherLogits, pairRows);
    }

    /// <summary>The batch inputs by graph input name; the caller disposes the values.</summary>
    /// <exception cref="InvalidOperationException">The graph reads teacher logits or pair rows and the batch has none.</exception>
    internal Dictionary<string, OrtValue> CreateValues(bool withTokenTypeIds, bool withTeacherLogits = false, bool withPairRows = false)
    {
        if (withTeacherLogits && TeacherLogits is null)
            throw new InvalidOperationException("The training graph distils from teacher logits, but the data set carries none.");
        if (withPairRows && PairRows is null)
            throw new InvalidOperationException("The training graph trains on pairs, but the batch was not collated as pairs.");
        long[] shape = Inputs.Shape;
        var values = new Dictionary<string, OrtValue>
        {
            [ModelContract.InputIds] = OrtValue.CreateTensorValueFromMemory(Inputs.InputIds, shape),
            [ModelContract.AttentionMask] = OrtValue.CreateTensorValueFromMemory(Inputs.AttentionMask, shape),
            [LossBuilder.LabelsInputName] = OrtValue.CreateTensorValueFromMemory(Labels, [Size]),
        };
        if (withTokenTypeIds) values[ModelContract.TokenTypeIds] = OrtValue.CreateTensorValueFromMemory(Inputs.TokenTypeIds, shape);
        if (withTeacherLogits)
            values[DistillationLoss.TeacherLogitsInputName] = OrtValue.CreateTensorValueFromMemory(TeacherLogits!, [Size, TeacherLogits!.Length / Size]);
        if (withPairRows) values[Contrastive.PairSimilarityObjective.PairRowsInputName] = OrtValue.CreateTensorValueFromMemory(PairRows!, [PairRows!.Length]);
        return values;
    }
}
