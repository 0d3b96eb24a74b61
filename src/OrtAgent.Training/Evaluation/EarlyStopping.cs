namespace OrtAgent.Training.Evaluation;

/// <summary>
/// Tracks the best value of the monitored metric and says when <see cref="Patience"/> evaluations in a row
/// have not improved on it. Loss is minimised; accuracy and macro-F1 are maximised.
/// </summary>
public sealed class EarlyStopping
{
    /// <exception cref="ArgumentOutOfRangeException">The metric is not defined or the patience is negative
    /// (<see cref="Trainer.FineTuningOptions.Validate"/> checks the options these come from first).</exception>
    public EarlyStopping(ValidationMetric metric, int patience)
    {
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric), metric, null);
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        Metric = metric;
        Patience = patience;
    }

    /// <summary>The metric being monitored; it decides the direction (<see cref="Minimize"/>).</summary>
    public ValidationMetric Metric { get; }

    /// <summary>Evaluations without improvement before stopping; 0 never stops early.</summary>
    public int Patience { get; }

    /// <summary>The best value recorded so far; null before the first <see cref="Record"/>.</summary>
    public double? Best { get; private set; }

    /// <summary>Values recorded since the last new best; 0 right after one.</summary>
    public int EvaluationsSinceBest { get; private set; }

    /// <summary>True for loss (lower is better); false for accuracy and macro-F1 (higher is better).</summary>
    public bool Minimize => Metric == ValidationMetric.Loss;

    /// <summary>Records a value; returns true when it is a new best (the caller then keeps this model).</summary>
    public bool Record(double value)
    {
        bool improved = Best is null || (Minimize ? value < Best : value > Best);
        if (improved)
        {
            Best = value;
            EvaluationsSinceBest = 0;
        }
        else EvaluationsSinceBest++;
        return improved;
    }

    /// <summary>Restores the state saved in a checkpoint.</summary>
    public void Restore(double? best, int evaluationsSinceBest)
    {
        Best = best;
        EvaluationsSinceBest = evaluationsSinceBest;
    }

    /// <summary>Whether <see cref="Patience"/> evaluations in a row have not improved; never true when <see cref="Patience"/> is 0.</summary>
    public bool ShouldStop => Patience > 0 && EvaluationsSinceBest >= Patience;

    /// <summary>Whether <paramref name="candidate"/> beats <paramref name="incumbent"/> on this metric (for promotion).</summary>
    public bool Beats(double candidate, double incumbent) => Minimize ? candidate < incumbent : candidate > incumbent;
}
