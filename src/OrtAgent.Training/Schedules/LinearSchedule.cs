namespace OrtAgent.Training.Schedules;

/// <summary>Linear decay from the peak to zero at the last step.</summary>
public sealed class LinearSchedule(double peakRate, long totalSteps, long warmupSteps)
    : LearningRateSchedule(peakRate, totalSteps, warmupSteps)
{
    /// <inheritdoc/>
    protected override double Factor(long step, long decaySteps) => Math.Max(0, 1 - (double)step / decaySteps);
}
