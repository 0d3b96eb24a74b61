namespace OrtAgent.Training.Trainer;

/// <summary>
/// Receives progress from the fine-tuning loop, for the host to show or record as it likes (the <c>ortagent</c> command
/// line draws a progress bar and writes metrics.jsonl). Calls come from the training thread, in order.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>
    /// Training begins: the session is loaded and the data checked, and the first optimizer step (step
    /// <paramref name="fromStep"/> + 1; 0 for a new run, the checkpoint's step for a resumed one) comes next, or the
    /// finishing evaluation of a resumed run that had taken all its steps. Called once per run, before any
    /// <see cref="OnStep"/>; a host that tells starting from training apart (a cancel that finds the run starting is
    /// answered at once) does so from here, since <see cref="OnStep"/> comes only every <c>LogEverySteps</c> steps. An
    /// exception thrown here propagates and ends the run before its first step, with no checkpoint written.
    /// </summary>
    void OnTrainingStarted(long fromStep) { }

    /// <summary>
    /// After an optimizer step: every <c>LogEverySteps</c> steps of the trainer's options and at each epoch's last. An
    /// exception thrown here propagates and ends the run.
    /// </summary>
    void OnStep(TrainingStepInfo step);

    /// <summary>After each validation pass, with its report and whether its model is the one the run keeps (<see cref="EvaluationInfo.IsBest"/>). An exception thrown here propagates and ends the run.</summary>
    void OnEvaluation(EvaluationInfo evaluation);

    /// <summary>A line worth telling the user (checkpoint written, early stop, resume).</summary>
    void OnMessage(string message);

    /// <summary>Something about the run the user should act on (a doubtful label, copies across the split); a message unless told apart.</summary>
    void OnWarning(string message) => OnMessage(message);

    /// <summary>
    /// The run's checkpoint, the one a resumed run continues from, now holds <paramref name="step"/>: called once the save
    /// is complete on disk (at an epoch's end, on a stop at the cancellation token, when the run finished). Nothing
    /// reported up to that step is trained again by a resume; a host that lists evaluations as resume points lists
    /// them from here.
    /// </summary>
    void OnCheckpointSaved(long step) { }

    /// <summary>
    /// Training stopped on its cancellation token, at <paramref name="step"/>, with a checkpoint written to
    /// <paramref name="checkpointDirectory"/>; a message unless told apart (a service that knows why it stopped the
    /// run, a pause or a cancel, says so itself).
    /// </summary>
    void OnStoppedAtCheckpoint(long step, string checkpointDirectory) =>
        OnMessage($"Cancelled at step {step}; checkpoint written to {checkpointDirectory}.");
}
