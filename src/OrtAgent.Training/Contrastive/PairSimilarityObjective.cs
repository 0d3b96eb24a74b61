using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// The contrastive objective on an encoder graph. A batch of P pairs is 2P rows: the first texts of the pairs, then
/// the second texts, in the same order, so both pass through the encoder in one run. The int64 <c>labels</c> input
/// carries each row's class; a pair is positive when its two rows share the class.
/// <code>
/// e = normalize(masked_mean(hidden))            [2P, H]
/// cos_i = e[i] · e[P + i]                       [P]
/// loss = mean_i (cos_i − [label_i = label_P+i])²
/// </code>
/// The cosine similarities are the output <c>logits</c> (<c>[P]</c>), so the eval model keeps the trainer's
/// <c>loss</c>/<c>logits</c> contract.
/// </summary>
internal static class PairSimilarityObjective
{
    /// <summary>Appends the objective and its outputs <c>loss</c> and <c>logits</c>; returns the loss.</summary>
    public static Value Append(BertEncoderGraph encoder)
    {
        var g = encoder.Graph;
        var pooled = TaskHeadBuilder.MaskedMean(g, encoder.LastHiddenState, encoder.AttentionMask);
        var labels = g.AddInput(LossBuilder.LabelsInputName, ElementType.Int64, [Dim.Symbolic("batch")]);
        var (similarity, mse) = AppendLoss(g, pooled, labels, encoder.HiddenSize);
        var loss = LossBuilder.AsScalarLoss(mse);
        GraphOutputs.Expose(g, loss, TrainingGraphNames.Loss, ElementType.Float, []);
        GraphOutputs.Expose(g, similarity, ModelContract.Logits, ElementType.Float, [Dim.Symbolic("pairs")]);
        return loss;
    }

    /// <summary>
    /// The pair loss over the <paramref name="pooled"/> embeddings <c>[2P, hidden]</c> and their class
    /// <paramref name="labels"/> <c>[2P]</c>: the pairs' cosine similarities <c>[P]</c> and the scalar mean squared error.
    /// </summary>
    internal static (Value Similarity, Value Loss) AppendLoss(Graph g, Value pooled, Value labels, long hidden)
    {
        var embeddings = TaskHeadBuilder.L2Normalize(g, pooled);
        var halves = g.Reshape(embeddings, 2, -1, hidden);
        var first = g.Gather(halves, g.Constant(TensorData.Scalar(0L), "first_text"));
        var second = g.Gather(halves, g.Constant(TensorData.Scalar(1L), "second_text"));
        var similarity = g.ReduceSum(g.Mul(first, second), [1], keepDims: false);

        var labelHalves = g.Reshape(labels, 2, -1);
        var same = g.Equal(g.Gather(labelHalves, g.Constant(TensorData.Scalar(0L), "first_label")),
            g.Gather(labelHalves, g.Constant(TensorData.Scalar(1L), "second_label")));
        var difference = g.Sub(similarity, g.Cast(same, pooled.Type == ElementType.Undefined ? ElementType.Float : pooled.Type));
        var loss = g.ReduceMean(g.Mul(difference, difference), [0], keepDims: false);
        return (similarity, loss);
    }
}
