using System.Diagnostics;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// When a run writes a checkpoint between its epoch-end ones: at an optimizer-step boundary once the interval has
/// passed since the last write (or since the run began or resumed). A process killed hard (SIGKILL, the OOM killer, a
/// power cut) cannot checkpoint on its way out, as a Ctrl+C does; with epoch-end checkpoints alone it lost up to a
/// whole epoch, hours on large data, and now loses at most the interval and a step.
/// </summary>
internal sealed class CheckpointClock
{
    private readonly TimeSpan _interval;
    private readonly Stopwatch _sinceWrite = Stopwatch.StartNew();
    private long _writtenStep;

    /// <param name="interval">Training time between checkpoints; <see cref="Timeout.InfiniteTimeSpan"/> for epoch ends only.</param>
    /// <param name="startStep">The step the run begins or resumes at, whose checkpoint (if any) is already written.</param>
    public CheckpointClock(TimeSpan interval, long startStep)
    {
        _interval = interval;
        _writtenStep = startStep;
    }

    /// <summary>Whether a checkpoint of <paramref name="step"/> is due: the interval has passed and the step is not written yet.</summary>
    public bool IsDue(long step) => step > _writtenStep && _interval != Timeout.InfiniteTimeSpan && _sinceWrite.Elapsed >= _interval;

    /// <summary>Records a checkpoint of <paramref name="step"/>, by this clock or any other cause (an epoch end, a stop).</summary>
    public void Written(long step)
    {
        _writtenStep = step;
        _sinceWrite.Restart();
    }
}
