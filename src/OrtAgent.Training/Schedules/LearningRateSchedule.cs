namespace OrtAgent.Training.Schedules;

/// <summary>
/// The learning rate as a function of the optimizer step, computed in C# and fed to the optimizer graph each step.
/// Subclasses override one method, <see cref="Factor"/>; warmup is shared: the rate climbs linearly from 0 to the
/// peak over <see cref="WarmupSteps"/>, as Hugging Face's schedulers do.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Checks and keeps the schedule's span; subclasses pass their arguments through.</summary>
    /// <param name="peakRate">The rate at the end of warmup; positive and finite.</param>
    /// <param name="totalSteps">Optimizer steps in the whole run, warmup included; at least 1.</param>
    /// <param name="warmupSteps">Steps over which the rate climbs from 0 to <paramref name="peakRate"/>; 0 to <paramref name="totalSteps"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of the range above.</exception>
    protected LearningRateSchedule(double peakRate, long totalSteps, long warmupSteps)
    {
        if (!(peakRate > 0) || double.IsInfinity(peakRate)) throw new ArgumentOutOfRangeException(nameof(peakRate), peakRate, "must be positive");
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "must be at least 1");
        if (warmupSteps < 0 || warmupSteps > totalSteps) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "must be in [0, totalSteps]");
        PeakRate = peakRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
    }

    /// <summary>The rate reached at the end of warmup; positive.</summary>
    public double PeakRate { get; }

    /// <summary>Optimizer steps in the whole run, warmup included; at least 1.</summary>
    public long TotalSteps { get; }

    /// <summary>Steps over which the rate climbs linearly from 0 to <see cref="PeakRate"/>; at most <see cref="TotalSteps"/>.</summary>
    public long WarmupSteps { get; }

    /// <summary>The rate for optimizer step <paramref name="step"/> (0-based: the first update uses step 0).</summary>
    public double RateAt(long step)
    {
        // Hugging Face's formula, so runs compare step for step with PyTorch: the first warmup step has rate 0.
        if (step < WarmupSteps) return PeakRate * step / WarmupSteps;
        return PeakRate * Factor(step - WarmupSteps, TotalSteps - WarmupSteps);
    }

    /// <summary>The multiplier of the peak rate after warmup, <paramref name="step"/> of <paramref name="decaySteps"/>.</summary>
    protected abstract double Factor(long step, long decaySteps);

    /// <summary>Creates the schedule of <paramref name="kind"/>; the first <paramref name="warmupRatio"/> of the steps warm up.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (<see cref="Trainer.FineTuningOptions.Validate"/>
    /// checks the options these come from first).</exception>
    public static LearningRateSchedule Create(LearningRateScheduleKind kind, double peakRate, long totalSteps, double warmupRatio)
    {
        if (warmupRatio is < 0 or > 1 || double.IsNaN(warmupRatio))
            throw new ArgumentOutOfRangeException(nameof(warmupRatio), warmupRatio, "must be between 0 and 1");
        long warmup = (long)Math.Ceiling(totalSteps * warmupRatio);
        return kind switch
        {
            LearningRateScheduleKind.Linear => new LinearSchedule(peakRate, totalSteps, warmup),
            LearningRateScheduleKind.Cosine => new CosineSchedule(peakRate, totalSteps, warmup),
            LearningRateScheduleKind.Constant => new ConstantSchedule(peakRate, totalSteps, warmup),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>The short name of <paramref name="kind"/>, as options and model cards spell it: <c>linear</c>, <c>cosine</c>, <c>constant</c>.</summary>
    public static string NameOf(LearningRateScheduleKind kind) => kind switch
    {
        LearningRateScheduleKind.Linear => "linear",
        LearningRateScheduleKind.Cosine => "cosine",
        LearningRateScheduleKind.Constant => "constant",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
