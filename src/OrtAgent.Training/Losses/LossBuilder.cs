using OrtAgent.Onnx;

namespace OrtAgent.Training.Losses;

/// <summary>Declares the labels input a loss needs and appends the chosen loss to a graph.</summary>
public static class LossBuilder
{
    /// <summary>The graph input that carries the batch's targets.</summary>
    public const string LabelsInputName = "labels";

    /// <summary>
    /// Adds the <c>labels</c> input: int64 <c>[batch]</c> class indices for cross-entropy and distillation, float
    /// <c>[batch, numLabels]</c> targets for BCE and MSE.
    /// </summary>
    public static Value AddLabelsInput(Graph graph, LossKind kind, int numLabels, string batchDim = "batch") => kind switch
    {
        LossKind.CrossEntropy or LossKind.Distillation => graph.AddInput(LabelsInputName, ElementType.Int64, [Dim.Symbolic(batchDim)]),
        _ => graph.AddInput(LabelsInputName, ElementType.Float, [Dim.Symbolic(batchDim), Dim.Known(numLabels)]),
    };

    // Graph outputs must carry a type; intermediate values are untyped until inference.
    internal static Value AsScalarLoss(Value loss, ElementType type = ElementType.Float)
    {
        loss.Type = type;
        loss.Shape = [];
        return loss;
    }

    /// <summary>
    /// Appends the loss of <paramref name="options"/> and returns the scalar loss value. The distillation loss also adds
    /// its <see cref="DistillationLoss.TeacherLogitsInputName"/> input.
    /// </summary>
    /// <exception cref="UserInputException">The options do not fit <paramref name="numLabels"/>.</exception>
    public static Value Append(Graph graph, Value logits, Value labels, int numLabels, LossOptions options)
    {
        options.Validate(numLabels);
        return options.Kind switch
        {
            LossKind.CrossEntropy => SoftmaxCrossEntropyLoss.Append(graph, logits, labels, numLabels, options.ClassWeights, options.LabelSmoothing),
            LossKind.BinaryCrossEntropy => BinaryCrossEntropyWithLogitsLoss.Append(graph, logits, labels),
            LossKind.MeanSquaredError => MeanSquaredErrorLoss.Append(graph, logits, labels),
            // With α = 0 nothing reads the teacher, so the graph declares no teacher input and runs need no teacher logits.
            LossKind.Distillation => DistillationLoss.Append(graph, logits,
                options.DistillationWeight > 0f ? DistillationLoss.AddTeacherLogitsInput(graph, numLabels) : null, labels,
                numLabels, options.Temperature, options.DistillationWeight),
            _ => throw new ArgumentOutOfRangeException(nameof(options)),
        };
    }
}
