namespace OrtAgent.Training.Schedules;

/// <summary>How the learning rate decays after warmup; see <see cref="LearningRateSchedule.Create"/>.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>Linear decay to 0 at the last step (<c>linear</c>, the default; <see cref="LinearSchedule"/>).</summary>
    Linear,

    /// <summary>Half a cosine from the peak to 0 (<c>cosine</c>; <see cref="CosineSchedule"/>).</summary>
    Cosine,

    /// <summary>The peak rate throughout (<c>constant</c>; <see cref="ConstantSchedule"/>).</summary>
    Constant,
}
