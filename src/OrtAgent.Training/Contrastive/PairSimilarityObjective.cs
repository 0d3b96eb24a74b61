using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// The contrastive objective on an encoder graph. A batch holds each distinct text of its P pairs once (U rows); the
/// int64 input <c>pair_rows</c> (<c>[2P]</c>) names the row of every pair's first text, then of every pair's second
/// text, in the same order. The int64 <c>labels</c> input carries each row's class; a pair is positive when its two
/// rows share the class.
/// <code>
/// e = normalize(masked_mean(hidden))            [U, H]
/// a = e[pair_rows[0..P)], b = e[pair_rows[P..2P)]
/// cos_i = a[i] · b[i]                           [P]
/// loss = mean_i (cos_i − [label(a_i) = label(b_i)])²     (ContrastiveLoss.CosineSimilarity)
/// loss = SupCon(e, labels, τ) over all U rows             (ContrastiveLoss.SupervisedContrastive)
/// </code>
/// The encoder runs without dropout here, so a text's embedding is the same in every pair it is part of: running it
/// once per batch gives the loss and gradients of running it once per pair (Gather's gradient sums a row's uses), on
/// fewer rows. Few-shot sets repeat texts in most batches (16 pairs from 28 texts are about 19 distinct texts, not 32).
/// The cosine similarities are the output <c>logits</c> (<c>[P]</c>), so the eval model keeps the trainer's
/// <c>loss</c>/<c>logits</c> contract, whichever loss trains (<see cref="SupervisedContrastiveLoss"/> reads every row, the
/// pairs then only decide which texts share a batch).
/// </summary>
internal static class PairSimilarityObjective
{
    /// <summary>The input naming the batch row of every pair's first text, then of every pair's second text.</summary>
    public const string PairRowsInputName = "pair_rows";

    /// <summary>Appends the objective with <paramref name="kind"/>'s loss (at <paramref name="temperature"/> for the supervised
    /// contrastive one) and its outputs <c>loss</c> and <c>logits</c>; returns the loss.</summary>
    public static Value Append(BertEncoderGraph encoder, ContrastiveLoss kind, double temperature)
    {
        var g = encoder.Graph;
        var pooled = TaskHeadBuilder.MaskedMean(g, encoder.LastHiddenState, encoder.AttentionMask);
        var labels = g.AddInput(LossBuilder.LabelsInputName, ElementType.Int64, [Dim.Symbolic("batch")]);
        var pairRows = g.AddInput(PairRowsInputName, ElementType.Int64, [Dim.Symbolic("pair_texts")]);
        Value similarity, loss;
        if (kind == ContrastiveLoss.SupervisedContrastive)
        {
            var normalized = TaskHeadBuilder.L2Normalize(g, pooled);
            similarity = PairCosines(g, normalized, pairRows, encoder.HiddenSize);
            loss = SupervisedContrastiveLoss.Append(g, normalized, labels, temperature, pooled);
        }
        else
        {
            (similarity, loss) = AppendLoss(g, pooled, labels, pairRows, encoder.HiddenSize);
        }
        LossBuilder.AsScalarLoss(loss);
        GraphOutputs.Expose(g, loss, TrainingGraphNames.Loss, ElementType.Float, []);
        GraphOutputs.Expose(g, similarity, ModelContract.Logits, ElementType.Float, [Dim.Symbolic("pairs")]);
        return loss;
    }

    /// <summary>
    /// The pair loss over the <paramref name="pooled"/> embeddings <c>[U, hidden]</c>, their class <paramref name="labels"/>
    /// <c>[U]</c> and the <paramref name="pairRows"/> <c>[2P]</c> that pair them: the pairs' cosine similarities <c>[P]</c>
    /// and the scalar mean squared error.
    /// </summary>
    internal static (Value Similarity, Value Loss) AppendLoss(Graph g, Value pooled, Value labels, Value pairRows, long hidden)
    {
        var similarity = PairCosines(g, TaskHeadBuilder.L2Normalize(g, pooled), pairRows, hidden);
        labels = g.Gather(labels, pairRows);
        var labelHalves = g.Reshape(labels, 2, -1);
        var same = g.Equal(g.Gather(labelHalves, g.Constant(TensorData.Scalar(0L), "first_label")),
            g.Gather(labelHalves, g.Constant(TensorData.Scalar(1L), "second_label")));
        var difference = g.Sub(similarity, g.Cast(same, pooled.Type == ElementType.Undefined ? ElementType.Float : pooled.Type));
        var loss = g.ReduceMean(g.Mul(difference, difference), [0], keepDims: false);
        return (similarity, loss);
    }

    /// <summary>The cosine similarity <c>[P]</c> of every pair named by <paramref name="pairRows"/> <c>[2P]</c>, of the <paramref name="normalized"/> embeddings <c>[U, hidden]</c>.</summary>
    private static Value PairCosines(Graph g, Value normalized, Value pairRows, long hidden)
    {
        var halves = g.Reshape(g.Gather(normalized, pairRows), 2, -1, hidden);
        var first = g.Gather(halves, g.Constant(TensorData.Scalar(0L), "first_text"));
        var second = g.Gather(halves, g.Constant(TensorData.Scalar(1L), "second_text"));
        return g.ReduceSum(g.Mul(first, second), [1], keepDims: false);
    }
}
