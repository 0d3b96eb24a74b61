namespace OrtAgent.Training.Evaluation;

/// <summary>
/// Accuracy, macro-F1, per-class scores and the confusion matrix of single-label predictions.
/// Build one with <see cref="ClassificationReportBuilder"/>; <see cref="ConfusionMatrix"/> is indexed [true, predicted].
/// </summary>
public sealed class ClassificationReport
{
    internal ClassificationReport(IReadOnlyList<string> labels, long[,] confusion, double? loss)
    {
        Labels = labels;
        ConfusionMatrix = confusion;
        Loss = loss;
        int n = labels.Count;
        long correct = 0, total = 0;
        var classes = new ClassScores[n];
        var present = new List<double>();   // F1 of the classes the examples or the predictions hold
        for (int c = 0; c < n; c++)
        {
            long tp = confusion[c, c], predicted = 0, actual = 0;
            for (int k = 0; k < n; k++)
            {
                predicted += confusion[k, c];
                actual += confusion[c, k];
            }
            correct += tp;
            total += actual;
            // Like scikit-learn's zero_division=0: a class never predicted has precision 0.
            double precision = predicted == 0 ? 0 : (double)tp / predicted;
            double recall = actual == 0 ? 0 : (double)tp / actual;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes[c] = new ClassScores(labels[c], precision, recall, f1, actual);
            if (actual > 0 || predicted > 0) present.Add(f1);
        }
        Count = total;
        Correct = correct;
        Accuracy = total == 0 ? 0 : (double)correct / total;
        PerClass = classes;
        // As scikit-learn's f1_score(average="macro"), over the labels present: a label neither in the examples nor
        // predicted (a group of --by holding one class) is not a class scored 0, which would halve a perfect score.
        MacroF1 = present.Count == 0 ? 0 : present.Average();
    }

    /// <summary>Label names; index i names row and column i of <see cref="ConfusionMatrix"/> and <see cref="PerClass"/>[i].</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Example counts indexed [true, predicted], labels × labels. The report's own array: do not change it.</summary>
    public long[,] ConfusionMatrix { get; }

    /// <summary>Examples evaluated (the sum of the confusion matrix).</summary>
    public long Count { get; }

    /// <summary>Examples whose predicted label is the true one (the confusion matrix's diagonal).</summary>
    public long Correct { get; }

    /// <summary><see cref="Correct"/> / <see cref="Count"/>, in [0, 1]; 0 when no example was evaluated.</summary>
    public double Accuracy { get; }

    /// <summary>The mean F1 of the labels that the examples or the predictions hold (scikit-learn's macro average).</summary>
    public double MacroF1 { get; }

    /// <summary>Mean loss over the evaluated examples, when the evaluator computed one.</summary>
    public double? Loss { get; }

    /// <summary>Precision, recall, F1 and support of each label, in <see cref="Labels"/> order; a label never predicted has precision 0.</summary>
    public IReadOnlyList<ClassScores> PerClass { get; }

    /// <summary>The value of <paramref name="metric"/>.</summary>
    /// <exception cref="InvalidOperationException">The loss was asked of a report without one.</exception>
    public double Metric(ValidationMetric metric) => metric switch
    {
        ValidationMetric.Accuracy => Accuracy,
        ValidationMetric.MacroF1 => MacroF1,
        ValidationMetric.Loss => Loss ?? throw new InvalidOperationException("This report has no loss."),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, null),
    };

    /// <summary>Every metric the report has (the loss only when it was computed), keyed by <see cref="ValidationMetricNames"/>.</summary>
    public IReadOnlyDictionary<string, double> Metrics() =>
        Enum.GetValues<ValidationMetric>().Where(m => m != ValidationMetric.Loss || Loss is not null)
            .ToDictionary(ValidationMetricNames.Of, Metric);
}
