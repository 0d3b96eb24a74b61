using OrtAgent.Onnx;

namespace OrtAgent.Training.Losses;

/// <summary>
/// Multi-label loss with PyTorch's <c>BCEWithLogitsLoss</c> semantics (mean over every element), in the
/// numerically stable form <c>max(x, 0) - x·y + log(1 + exp(-|x|))</c>, which never exponentiates a positive number.
/// </summary>
public static class BinaryCrossEntropyWithLogitsLoss
{
    /// <param name="graph">The graph to append to.</param>
    /// <param name="logits">Float logits <c>[batch, numLabels]</c>.</param>
    /// <param name="targets">Float targets in [0, 1], <c>[batch, numLabels]</c>.</param>
    /// <returns>The scalar loss.</returns>
    public static Value Append(Graph graph, Value logits, Value targets)
    {
        var positivePart = graph.Relu(logits);
        var softplusOfNegativeAbs = graph.Log(graph.Add(graph.Exp(graph.Neg(graph.Abs(logits))), graph.Constant(TensorData.Scalar(1f), "one")));
        var perElement = graph.Add(graph.Sub(positivePart, graph.Mul(logits, targets)), softplusOfNegativeAbs);
        return LossBuilder.AsScalarLoss(graph.ReduceMean(perElement, [0, 1], keepDims: false));
    }
}
