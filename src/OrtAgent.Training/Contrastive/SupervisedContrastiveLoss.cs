using OrtAgent.Onnx;

namespace OrtAgent.Training.Contrastive;

/// <summary>
/// The supervised contrastive loss (Khosla et al. 2020, "L_out"; SetFit's <c>SupConLoss</c> with its base temperature
/// equal to the temperature) over every row of a batch:
/// <code>
/// S = e eᵀ / τ                                   [U, U], e the L2-normalised embeddings
/// P(i) = { p ≠ i : label(p) = label(i) }
/// loss_i = −(1/|P(i)|) Σ_{p ∈ P(i)} log( exp S_ip / Σ_{a ≠ i} exp S_ia )
/// loss = mean of loss_i over the anchors i with P(i) non-empty; 0 when none has
/// </code>
/// The diagonal leaves the softmax as a large negative logit rather than −∞, and anchors without positives are
/// weighted 0 rather than divided by 0, so no batch makes the loss or its gradient NaN.
/// </summary>
internal static class SupervisedContrastiveLoss
{
    // exp(−1e9 − max) is 0 in float, and unlike −∞ a row of nothing else (a one-text batch) stays finite.
    private const double SelfLogit = -1e9;

    /// <summary>
    /// The scalar loss of the <paramref name="normalized"/> embeddings <c>[U, hidden]</c> and their int64 class
    /// <paramref name="labels"/> <c>[U]</c> at <paramref name="temperature"/>. <paramref name="like"/> gives the
    /// element type of the constants (the graph's input, whose type is known where intermediates' are not).
    /// </summary>
    public static Value Append(Graph g, Value normalized, Value labels, double temperature, Value like)
    {
        var elementType = like.Type == ElementType.Undefined ? ElementType.Float : like.Type;
        var scaled = g.Div(g.MatMul(normalized, g.Transpose(normalized, 1, 0)), g.ScalarLike(like, temperature));

        var rows = g.Range(g.Constant(TensorData.Scalar(0L), "first_row"), g.Gather(g.Shape(labels), g.Constant(TensorData.Scalar(0L), "batch_axis")),
            g.Constant(TensorData.Scalar(1L), "row_step"));
        var self = g.Equal(g.Unsqueeze(rows, 1), g.Unsqueeze(rows, 0));
        var logProbabilities = g.LogSoftmax(g.Where(self, g.ScalarLike(like, SelfLogit), scaled), axis: 1);

        // Same label and not itself; a row always shares its own label, so that is "self below same" (Less, not And,
        // which the shape inference has no rule for).
        var positive = g.Less(g.Cast(self, elementType), g.Cast(g.Equal(g.Unsqueeze(labels, 1), g.Unsqueeze(labels, 0)), elementType));
        var positives = g.ReduceSum(g.Cast(positive, elementType), [1], keepDims: false);
        var one = g.ScalarLike(like, 1);
        // Σ over positives of log p, divided by their count (at least 1, so an anchor without any adds 0).
        var perAnchor = g.Div(g.ReduceSum(g.Where(positive, logProbabilities, g.ScalarLike(like, 0)), [1], keepDims: false), g.Max(positives, one));
        var anchors = g.ReduceSum(g.Min(positives, one), [0], keepDims: false);
        return g.Neg(g.Div(g.ReduceSum(perAnchor, [0], keepDims: false), g.Max(anchors, one)));
    }
}
