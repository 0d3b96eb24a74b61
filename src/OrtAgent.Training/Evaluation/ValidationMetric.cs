namespace OrtAgent.Training.Evaluation;

/// <summary>
/// What early stopping, the choice of the best model and promotion compare. <see cref="ValidationMetricNames"/> owns
/// how each is spelled in options, <c>metrics.jsonl</c> and exported metadata.
/// </summary>
public enum ValidationMetric
{
    /// <summary>Share of examples classified correctly; higher is better (<c>accuracy</c>, the default).</summary>
    Accuracy,

    /// <summary>Unweighted mean of the per-class F1 scores; higher is better (<c>macro_f1</c>).</summary>
    MacroF1,

    /// <summary>Mean validation loss; lower is better (<c>loss</c>).</summary>
    Loss,
}
