using OrtAgent.Onnx;

namespace OrtAgent.Training.Losses;

/// <summary>Regression loss with PyTorch's <c>MSELoss</c> semantics: the mean of squared differences over every element.</summary>
public static class MeanSquaredErrorLoss
{
    /// <param name="graph">The graph to append to.</param>
    /// <param name="predictions">Float predictions <c>[batch, outputs]</c>.</param>
    /// <param name="targets">Float targets of the same shape.</param>
    /// <returns>The scalar loss.</returns>
    public static Value Append(Graph graph, Value predictions, Value targets)
    {
        // Mul rather than Pow: its gradient rule needs no exponent bookkeeping.
        var difference = graph.Sub(predictions, targets);
        return LossBuilder.AsScalarLoss(graph.ReduceMean(graph.Mul(difference, difference), [0, 1], keepDims: false));
    }
}
