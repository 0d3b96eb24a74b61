using OrtAgent.Onnx;

namespace OrtAgent.Training.Losses;

/// <summary>
/// Softmax cross-entropy with PyTorch's <c>F.cross_entropy</c> semantics (mean reduction, optional <c>weight</c>,
/// optional <c>label_smoothing</c>), spelled in ops that have gradient rules: LogSoftmax, Mul, Neg, ReduceSum, Div.
/// </summary>
/// <remarks>
/// With one-hot targets <c>y</c>, class weights <c>w</c> (all ones when absent) and smoothing <c>ε</c> over
/// <c>C</c> classes, PyTorch computes
/// <c>[(1-ε)·Σᵢ w[yᵢ]·(-log pᵢ[yᵢ]) + (ε/C)·Σᵢ Σ_c w[c]·(-log pᵢ[c])] / Σᵢ w[yᵢ]</c>, which is
/// <c>Σ (-log p) · q · w / Σ y · w</c> with target distribution <c>q = (1-ε)·y + ε/C</c>.
/// The target side depends on labels only, so no gradient flows through the one-hot construction.
/// Labels outside [0, C) get an all-zero one-hot row and are masked out of both sums, which is what
/// PyTorch's <c>ignore_index=-100</c> does.
/// </remarks>
public static class SoftmaxCrossEntropyLoss
{
    /// <param name="graph">The graph to append to.</param>
    /// <param name="logits">Float logits <c>[batch, numLabels]</c>.</param>
    /// <param name="labels">Int64 class indices <c>[batch]</c>.</param>
    /// <param name="numLabels">The number of classes <c>C</c>.</param>
    /// <param name="classWeights">Per-class weights, or null.</param>
    /// <param name="labelSmoothing">ε in [0, 1).</param>
    /// <returns>The scalar loss.</returns>
    public static Value Append(Graph graph, Value logits, Value labels, int numLabels,
        IReadOnlyList<float>? classWeights = null, float labelSmoothing = 0f)
    {
        var logProbabilities = graph.LogSoftmax(logits, axis: -1);
        var classIndices = graph.Constant(TensorData.Vector(Enumerable.Range(0, numLabels).Select(i => (long)i).ToArray()), "class_indices");
        var oneHot = graph.Cast(graph.Equal(graph.Unsqueeze(labels, 1), classIndices), ElementType.Float);

        var target = oneHot;
        if (labelSmoothing > 0f)
        {
            // Rows whose label is out of range (ignored) must not receive the uniform ε/C share either.
            var inRange = graph.ReduceSum(oneHot, [1], keepDims: true);
            var smoothed = graph.Add(graph.Mul(oneHot, Scalar(graph, 1f - labelSmoothing)), Scalar(graph, labelSmoothing / numLabels));
            target = graph.Mul(smoothed, inRange);
        }
        var denominatorTerms = oneHot;
        if (classWeights is not null)
        {
            var weights = graph.Constant(TensorData.Vector(classWeights.ToArray()), "class_weights");
            target = graph.Mul(target, weights);
            denominatorTerms = graph.Mul(oneHot, weights);
        }
        var perElement = graph.Mul(graph.Neg(logProbabilities), target);
        var numerator = graph.ReduceSum(perElement, [0, 1], keepDims: false);
        var denominator = graph.ReduceSum(denominatorTerms, [0, 1], keepDims: false);
        return LossBuilder.AsScalarLoss(graph.Div(numerator, denominator));
    }

    private static Value Scalar(Graph graph, float value) => graph.Constant(TensorData.Scalar(value), "scalar");
}
