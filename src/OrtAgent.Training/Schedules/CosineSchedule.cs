namespace OrtAgent.Training.Schedules;

/// <summary>Half a cosine wave from the peak to zero.</summary>
public sealed class CosineSchedule(double peakRate, long totalSteps, long warmupSteps)
    : LearningRateSchedule(peakRate, totalSteps, warmupSteps)
{
    /// <inheritdoc/>
    protected override double Factor(long step, long decaySteps) => 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1.0, (double)step / decaySteps)));
}
