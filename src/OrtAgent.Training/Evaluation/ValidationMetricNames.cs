namespace OrtAgent.Training.Evaluation;

/// <summary>
/// The one spelling of each <see cref="ValidationMetric"/>: the names hosts take it by (a command line's values), the keys of the
/// metrics recorded in an exported model (which promotion reads back) and the chart's legend.
/// </summary>
public static class ValidationMetricNames
{
    public const string Accuracy = "accuracy";

    public const string MacroF1 = "macro_f1";

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
