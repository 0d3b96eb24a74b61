namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Whether a running job is still starting or has begun to train, and who records how it ended. Starting (reading the
/// data, building or reopening the training artifacts, loading the training graphs) watches the cancellation token only
/// in parts (graph building not at all) and took 9 s on minilm, which a cancel or pause used to wait out. It ends when the trainer begins training
/// (<see cref="Training.Trainer.ITrainingObserver.OnTrainingStarted"/>), before the first optimizer step. A cancel or
/// pause that finds the job starting records it at once (<see cref="TryStop"/>); the runner then stops before its first
/// step, writing no checkpoint, and discards what it built (a paused job keeps the checkpoint it was resumed from),
/// recording nothing. A job that trains stops at its next optimizer step, which a cancel or pause waits for. A
/// contrastive job past its last optimizer step fits its classifier head (<see cref="BeginHeadFit"/>), which a pause
/// stops too: the job is paused at its stage-1 checkpoint, and resuming it fits the head again. Once a job is finishing
/// (<see cref="EndTraining"/>: a standard job's last optimizer step, a contrastive job's fitted head) its final
/// evaluation and export end the job, and a pause recorded then would show <c>pausing</c> for a job that ends
/// otherwise, so none is recorded from then.
/// </summary>
internal sealed class JobStartPhase
{
    private readonly Lock _gate = new();
    private bool _training, _fitsHead, _trainingOver, _ended, _stopped;
    private long? _resumeStep;
    private bool _resumeStepKnown;

    /// <summary>
    /// Called by the runner once it has found where the job continues from: <paramref name="checkpointStep"/> is its
    /// checkpoint's step, or null for a start from the beginning. A stop while starting says so without reading the
    /// artifacts the runner is busy with.
    /// </summary>
    public void StartsFrom(long? checkpointStep)
    {
        lock (_gate) (_resumeStep, _resumeStepKnown) = (checkpointStep, true);
    }

    /// <summary>Where the job continues from, as its runner found it (<see cref="StartsFrom"/>); false before the runner looked.</summary>
    public bool TryGetResumeStep(out long? checkpointStep)
    {
        lock (_gate)
        {
            checkpointStep = _resumeStep;
            return _resumeStepKnown;
        }
    }

    /// <summary>
    /// Called when the trainer begins training: true, and the job is training from now on, unless a cancel or pause
    /// recorded it while it was starting, when the run is to stop before its first step (the client was told so).
    /// </summary>
    public bool TryBeginTraining()
    {
        lock (_gate)
        {
            if (_stopped) return false;
            _training = true;
            return true;
        }
    }

    /// <summary>Whether a cancel or pause recorded the job while it was starting; the run's stop is then theirs, whatever token fired.</summary>
    public bool StoppedWhileStarting
    {
        get
        {
            lock (_gate) return _stopped;
        }
    }

    /// <summary>
    /// Records a cancel or pause by <paramref name="record"/> and returns true while the job is starting; false once it
    /// trains or its runner recorded its end, when the stop reaches the training through its token instead.
    /// </summary>
    public bool TryStop(Action record)
    {
        lock (_gate)
        {
            if (_training || _ended || _stopped) return false;
            record();
            _stopped = true;
            return true;
        }
    }

    /// <summary>
    /// Called when a contrastive job has taken its last optimizer step (or resumed past it) and fits its classifier head:
    /// a pause still stops it, at the stage-1 checkpoint, until <see cref="EndTraining"/>.
    /// </summary>
    public void BeginHeadFit()
    {
        lock (_gate) _fitsHead = true;
    }

    /// <summary>Whether the job is fitting its classifier head (<see cref="BeginHeadFit"/>) and has not yet finished it.</summary>
    public bool FitsHead
    {
        get
        {
            lock (_gate) return _fitsHead && !_trainingOver;
        }
    }

    /// <summary>
    /// Called when the job is finishing: a standard job has taken its last optimizer step, a contrastive job has fitted
    /// its head. What remains (evaluation, export) ends the job.
    /// </summary>
    public void EndTraining()
    {
        lock (_gate) _trainingOver = true;
    }

    /// <summary>Whether the job is finishing (<see cref="EndTraining"/>): not to be paused.</summary>
    public bool TrainingOver
    {
        get
        {
            lock (_gate) return _trainingOver;
        }
    }

    /// <summary>
    /// Records by <paramref name="record"/> what a client asked of a job that trains (a pause it is on its way to) and
    /// returns true; false, with nothing recorded, before it trains, once it is finishing, or once its runner
    /// recorded its end, which a later record would contradict.
    /// </summary>
    public bool TryRecordWhileTraining(Action record)
    {
        lock (_gate)
        {
            if (!_training || _trainingOver || _ended || _stopped) return false;
            record();
            return true;
        }
    }

    /// <summary>Records by <paramref name="record"/> (the job's start) unless a cancel or pause recorded the job first; false then.</summary>
    public bool TryRecord(Action record) => Record(record, ends: false);

    /// <summary>
    /// The runner's record of how the run ended, by <paramref name="record"/>; false, with nothing recorded, when a cancel
    /// or pause recorded the job while it was starting, and what the run built is to be discarded.
    /// </summary>
    public bool TryEnd(Action record) => Record(record, ends: true);

    private bool Record(Action record, bool ends)
    {
        lock (_gate)
        {
            if (_stopped) return false;
            record();
            _ended |= ends;
            return true;
        }
    }
}
