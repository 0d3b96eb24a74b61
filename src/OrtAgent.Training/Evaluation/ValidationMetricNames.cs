namespace OrtAgent.Training.Evaluation;

/// <summary>
/// The one spelling of each <see cref="ValidationMetric"/>: the names hosts take it by (a command line's values), the keys of the
/// metrics recorded in an exported model (which promotion reads back) and the chart's legend.
/// </summary>
public static class ValidationMetricNames
{
    /// <summary><see cref="ValidationMetric.Accuracy"/>: the share of examples predicted right, in [0, 1].</summary>
    public const string Accuracy = "accuracy";

    /// <summary><see cref="ValidationMetric.MacroF1"/>: the unweighted mean of the per-class F1 scores, in [0, 1].</summary>
    public const string MacroF1 = "macro_f1";

    /// <summary><see cref="ValidationMetric.Loss"/>: the eval model's mean loss over the validation set.</summary>
    public const string Loss = "loss";

    /// <summary>How <paramref name="metric"/> is spelled.</summary>
    public static string Of(ValidationMetric metric) => metric switch
    {
        ValidationMetric.Accuracy => Accuracy,
        ValidationMetric.MacroF1 => MacroF1,
        ValidationMetric.Loss => Loss,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
    };
}
