namespace OrtAgent.Training.Losses;

/// <summary>The training objectives a classifier head can be trained with.</summary>
public enum LossKind
{
    /// <summary>Single-label classification: softmax cross-entropy over int64 class indices (<c>ce</c>).</summary>
    CrossEntropy,

    /// <summary>Multi-label classification: sigmoid binary cross-entropy over float 0/1 targets per label (<c>bce</c>).</summary>
    BinaryCrossEntropy,

    /// <summary>Regression: mean squared error over float targets, one per output (<c>mse</c>).</summary>
    MeanSquaredError,

    /// <summary>
    /// Single-label classification taught by a teacher's logits: a temperature-softened KL term mixed with cross-entropy
    /// (<c>kd</c>, see <see cref="DistillationLoss"/>).
    /// </summary>
    Distillation,
}
