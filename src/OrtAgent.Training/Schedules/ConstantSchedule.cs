namespace OrtAgent.Training.Schedules;

/// <summary>The peak rate after warmup, unchanged.</summary>
public sealed class ConstantSchedule(double peakRate, long totalSteps, long warmupSteps)
    : LearningRateSchedule(peakRate, totalSteps, warmupSteps)
{
    /// <inheritdoc/>
    protected override double Factor(long step, long decaySteps) => 1;
}
