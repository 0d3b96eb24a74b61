using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// Holds a job's training thread, once, at <paramref name="at"/>, until released or until the job is stopped (a cancel
/// or pause fires its token, unless told to wait for its release alone; it gives up after two minutes), so a test stops the job there: past its last optimizer
/// step, or resumed and not yet evaluating. Installed through <see cref="JobRunner.ObserveTraining"/>; every report
/// still reaches the job's own observer first.
/// </summary>
internal sealed class HeldTraining(HeldTraining.Point at, bool releasedByStop = true)
{
    /// <summary>Where the training thread is held.</summary>
    public enum Point
    {
        /// <summary>Training began (the job reads running, past its start): a resumed finished run evaluates and exports next.</summary>
        TrainingStarted,

        /// <summary>The checkpoint holds the last optimizer step: a contrastive job fits its head next, a standard one exports.</summary>
        LastStepCheckpoint,
    }

    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    private Point At => at;

    /// <summary>Completes once the training thread has reached the hold.</summary>
    public Task Entered => _entered.Task;

    /// <summary>Lets the held thread, and any later report, go on.</summary>
    public void Release() => _released.TrySetResult();

    /// <summary>Holds every job of <paramref name="runner"/> at the point (the first to reach it).</summary>
    public void Install(JobRunner runner) => runner.ObserveTraining = (_, job, stop) => new HoldingObserver(job, this, stop);

    private void Wait(CancellationToken stop)
    {
        if (Interlocked.Exchange(ref _held, 1) == 1) return;
        _entered.TrySetResult();
        // Stopped, the job goes on at once to where its trainer watches the token, as one stopped there would; unless
        // the test releases it itself, to stop the job a second time (a cancel after a pause) before it goes on.
        Task.WaitAny(releasedByStop ? [_released.Task, Task.Delay(Timeout.Infinite, stop)] : [_released.Task], Bound);
    }

    private sealed class HoldingObserver(ITrainingObserver job, HeldTraining hold, CancellationToken stop) : ITrainingObserver
    {
        private long _totalSteps = -1;

        public void OnTrainingStarted(long fromStep)
        {
            job.OnTrainingStarted(fromStep);
            if (hold.At == Point.TrainingStarted) hold.Wait(stop);
        }

        public void OnStep(TrainingStepInfo step)
        {
            job.OnStep(step);
            _totalSteps = step.TotalSteps;
        }

        public void OnEvaluation(EvaluationInfo evaluation) => job.OnEvaluation(evaluation);

        public void OnMessage(string message) => job.OnMessage(message);

        public void OnWarning(string message) => job.OnWarning(message);

        public void OnCheckpointSaved(long step)
        {
            job.OnCheckpointSaved(step);
            if (hold.At == Point.LastStepCheckpoint && step == _totalSteps) hold.Wait(stop);
        }

        public void OnStoppedAtCheckpoint(long step, string checkpointDirectory) => job.OnStoppedAtCheckpoint(step, checkpointDirectory);
    }
}
