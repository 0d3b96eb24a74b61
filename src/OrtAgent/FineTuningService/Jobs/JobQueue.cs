using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Runs jobs in the order they were created, at most <see cref="FineTuningServiceOptions.MaxConcurrentJobs"/> at a
/// time. On start it picks up the jobs a previous run left running (they resume from their checkpoints) before
/// queued ones. On stop it cancels the running jobs' training, which checkpoints at the next optimizer step, and
/// waits for them, so no job is lost and none restarts from zero. It does so as the host begins to stop, before Kestrel
/// stops listening, so requests sent meanwhile are answered (503 <c>service_stopping</c>, <see cref="Serving.StoppingGate"/>)
/// rather than refused at the socket.
/// </summary>
internal sealed class JobQueue(FineTuningStore store, JobRunner runner, FineTuningServiceOptions options, ILogger<JobQueue> logger)
    : BackgroundService, IHostedLifecycleService
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RunningJob> _running = [];
    // The running jobs' stop (they checkpoint at their next optimizer step): the queue's own, not ExecuteAsync's token,
    // as the first jobs start in StartingAsync, before that token exists.
    private readonly CancellationTokenSource _stopping = new();
    // Opens once the host has started (StartedAsync): the jobs StartingAsync takes up are in the table at once, for a
    // pause or cancel to find as starting, but their runners begin only once the service is up. A start that fails (an address in use, Ctrl+C)
    // never calls StopAsync, and disposing the host releases the store's lock: cancelled there, their runners record
    // nothing (no "Resumed" event a client would see per failed start) and build nothing over an unlocked store.
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Jobs whose runner could not record how it ended (a store that cannot be written, a database that stays full): left
    // as they were, still active, they were started again at once, over and over, training from their checkpoint (or step
    // 0) each time. They wait for the next start instead, or for a client's resume, which records, so the store is writable again.
    private readonly HashSet<string> _unrecordable = [];

    /// <summary>
    /// A test's seam, as <see cref="JobRunner.ObserveTraining"/> is: given the job's id, runs on the pausing request's thread
    /// just before a training job is recorded <c>pausing</c>, so a test holds that record there, as a database write
    /// that a disk busy with a checkpoint kept waiting held it, and sees whether the training stops meanwhile.
    /// </summary>
    internal Action<string>? BeforePausingRecorded { get; set; }

    /// <summary>Tells the queue a job was added or finished; harmless once the queue is disposed.</summary>
    public void Signal()
    {
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // A runner that ends after a failed start disposed the queue: there is no loop left to wake.
        }
    }

    /// <summary>
    /// Cancels a job: a queued or paused one at once (a paused one's checkpoints are deleted), a running one still starting
    /// (before its trainer began training) at once too, its runner stopping before its first step in the background and
    /// discarding what it built while the next queued job takes its place (at most one stopped start winds down per
    /// place: beyond that the next job waits for one to end), and one that trains by stopping its training
    /// at the next optimizer step and waiting (up to <paramref name="wait"/>) for the runner to record it.
    /// </summary>
    /// <returns>
    /// <see cref="StopAnswer.NotStoppable"/> when the job can no longer train (already finished), and
    /// <see cref="StopAnswer.AlreadyAsked"/> when an earlier cancel still waits for its training to stop.
    /// </returns>
    public Task<StopAnswer> CancelAsync(string jobId, TimeSpan wait) => StopAsync(jobId, wait, running => running.Cancel, job =>
    {
        store.UpdateJob(Cancelled(job), "info", job.Status == JobStatus.Paused ? "Fine-tuning job cancelled while paused" : "Fine-tuning job cancelled before it started");
        BestEffortDelete.Directory(store.JobArtifactsDirectory(job.Id), recursive: true);
        // A model its earlier run exported and was stopped before recording (JobRunner) goes with the job too.
        BestEffortDelete.Directory(store.ModelDirectory(job.Id), recursive: true);
    }, stops: job => job.MayStillTrain, whileStarting: (job, _) =>
        store.UpdateJob(Cancelled(job), "info", "Fine-tuning job cancelled while it was starting, before training began; it trains no further step"),
        askedAgain: StopAnswer.AlreadyAsked);

    private static JobRecord Cancelled(JobRecord job) => job with { Status = JobStatus.Cancelled, FinishedAt = FineTuningStore.Now(), EstimatedFinish = null };

    /// <summary>
    /// Pauses a job: a queued one at once, a running one still starting at once too (as a cancel does, keeping the
    /// checkpoint it was resumed from, if any), and one that trains by recording it <c>pausing</c>, stopping its
    /// training at the next optimizer step, where it checkpoints, and waiting (up to <paramref name="wait"/>) for the
    /// runner to record it <c>paused</c> (a job already <c>pausing</c> is not recorded again). A contrastive job fitting
    /// its classifier head stops that fit and is paused at its stage-1 checkpoint, which already holds its last step. A
    /// job that is finishing (past its last optimizer step, or its head fitted) is not paused. A job whose cancel has
    /// reached its training is not recorded <c>pausing</c>: the pause waits for the cancel to be recorded.
    /// </summary>
    /// <returns><see cref="StopAnswer.NotStoppable"/> when the job is not queued, running or pausing.</returns>
    public Task<StopAnswer> PauseAsync(string jobId, TimeSpan wait) => StopAsync(jobId, wait, running => running.Pause, job =>
        store.UpdateJob(job with { Status = JobStatus.Paused, EstimatedFinish = null }, "info",
            "Fine-tuning job paused before it started; resuming it queues it again"), stops: job => job.IsActive,
        whileStarting: (job, phase) => store.UpdateJob(job with { Status = JobStatus.Paused, EstimatedFinish = null }, "info",
            $"Fine-tuning job paused while it was starting, before training began; resuming it continues from {ResumePoint(job, phase)}"),
        whileTraining: (job, phase) =>
        {
            BeforePausingRecorded?.Invoke(job.Id);
            if (job.Status != JobStatus.Pausing)
                store.UpdateJob(job with { Status = JobStatus.Pausing, EstimatedFinish = null }, "info", phase.FitsHead
                    ? "Fine-tuning job pausing: it has taken its last optimizer step and stops fitting its classifier head; it is paused at its checkpoint, and resuming it fits the head again"
                    : "Fine-tuning job pausing: it stops at its next optimizer step and is paused at a checkpoint there");
        }, yieldsTo: running => running.Cancel);

    // Where its runner found the job continues from. Only in the moments after the queue started it, before its runner
    // looked, are the artifacts read here: nothing holds them then (the job's earlier runner has ended), so no save is
    // under way for the read to wait out.
    private string ResumePoint(JobRecord job, JobStartPhase phase) => phase.TryGetResumeStep(out long? step)
        ? JobRunner.ResumePoint(step)
        : JobRunner.ResumePoint(store.JobArtifactsDirectory(job.Id));

    /// <summary>Queues a paused job again; it continues from its checkpoint when it starts.</summary>
    /// <returns>False when the job is not paused.</returns>
    public bool Resume(string jobId)
    {
        lock (_gate)
        {
            if (store.GetJob(jobId) is not { Status: JobStatus.Paused } job) return false;
            store.UpdateJob(job with { Status = JobStatus.Queued }, "info",
                $"Fine-tuning job resumed; it continues from {JobRunner.ResumePoint(store.JobArtifactsDirectory(jobId))}");
            _unrecordable.Remove(jobId);
        }
        Signal();
        return true;
    }

    // A job the queue runs is stopped through its token: one still starting is recorded by `whileStarting` at once and
    // gives up its place, one that trains is waited for (after `whileTraining` recorded the request). One the queue does
    // not run, or whose stopped start still winds down, is recorded by `record` under the gate, so it cannot start in between.
    // A pause (`whileTraining`) of a job that is finishing, or whose runner recorded its end, fires nothing: the token
    // would only cut its export short.
    // A request whose token an earlier one fired is answered `askedAgain` when given, decided here under the gate: two
    // cancels at once both waited for the run and both answered 200, where the second one after is a 400. A pause asked
    // again waits again (a client whose first request gave up asks once more), as it does one after the other.
    // A request that finds the job's `yieldsTo` token fired (a pause, once a cancel reached the job's training) records
    // and fires nothing: it waits for that stop, as a request the other overtook does, and is answered with the job as it
    // then is. Recorded, a pause said "pausing" of a job already being cancelled.
    private async Task<StopAnswer> StopAsync(string jobId, TimeSpan wait, Func<RunningJob, CancellationTokenSource> token, Action<JobRecord> record,
        Func<JobRecord, bool> stops, Action<JobRecord, JobStartPhase> whileStarting, Action<JobRecord, JobStartPhase>? whileTraining = null, StopAnswer? askedAgain = null,
        Func<RunningJob, CancellationTokenSource>? yieldsTo = null)
    {
        Task run;
        lock (_gate)
        {
            if (_running.TryGetValue(jobId, out var entry) && entry.HoldsPlace)
            {
                if (askedAgain is { } again && token(entry).IsCancellationRequested) return again;
                if (yieldsTo?.Invoke(entry).IsCancellationRequested != true)
                {
                    bool recorded = entry.Phase.TryStop(() => RecordAsItIs(jobId, job => whileStarting(job, entry.Phase)));
                    if (!recorded && whileTraining is not null)
                    {
                        // The token before the record, which is a read and a database transaction: on a disk busy with a
                        // checkpoint it took a second or more, and the training went on step after step until the token
                        // fired. The runner records how the run ended under the same phase lock, so never before this record.
                        if (!entry.Phase.TryRecordWhileTraining(() =>
                            {
                                token(entry).Cancel();
                                RecordAsItIs(jobId, job => whileTraining(job, entry.Phase));
                            }))
                        {
                            // Finishing, or its runner recorded how it ended: the job no longer trains, and its token would only
                            // cut an export short.
                            return entry.Phase.TrainingOver ? StopAnswer.Finishing : StopAnswer.NotStoppable;
                        }
                    }
                    else token(entry).Cancel();
                    if (recorded)
                    {
                        // Its start cannot be interrupted (graph building watches no token): it winds down in the background
                        // and records nothing more, so its place goes to the next job now (StartWhatFits bounds the wind-downs).
                        entry.HoldsPlace = false;
                        Signal();
                        return StopAnswer.Stopped;
                    }
                }
                run = entry.Run;
            }
            else if (store.GetJob(jobId) is { } job && stops(job))
            {
                record(job);
                return StopAnswer.Stopped;
            }
            else return StopAnswer.NotStoppable;
        }
        await Task.WhenAny(run, Task.Delay(wait)).ConfigureAwait(false);
        return StopAnswer.Stopped;
    }

    // Read again: the runner has written the job since the queue read it (its start, its estimated finish).
    private void RecordAsItIs(string jobId, Action<JobRecord> record)
    {
        if (store.GetJob(jobId) is { } job) record(job);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                StartWhatFits();
                await _wake.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to wait for the running jobs to checkpoint.
        }
        Task[] runs;
        int training;
        lock (_gate) (runs, training) = (_running.Values.Select(r => r.Run).ToArray(), _running.Values.Count(r => r.HoldsPlace));
        // Said, since stopping waits for each running job's next optimizer step (seconds on a large base) with nothing else
        // to show; a stopped start winding down is waited for too, but checkpoints nothing.
        if (training > 0)
            logger.LogInformation("Stopping: waiting for {Count} running fine-tuning {Jobs} to checkpoint at the next optimizer step", training, training == 1 ? "job" : "jobs");
        await Task.WhenAll(runs).ConfigureAwait(false);
    }

    /// <summary>
    /// A job left <c>pausing</c> by a process killed outright (a graceful stop records the pause) was asked to pause: it
    /// is paused where its checkpoint on disk is, not resumed as a running job would be. Under the gate, as Kestrel
    /// already answers: a cancel asked meanwhile is recorded before it or after it, never overwritten by it.
    /// </summary>
    private void PauseInterruptedPauses()
    {
        lock (_gate)
        {
            foreach (var job in store.UnfinishedJobs().Where(job => job.Status == JobStatus.Pausing))
                store.UpdateJob(job with { Status = JobStatus.Paused, EstimatedFinish = null }, "info",
                    $"Fine-tuning job paused: the service stopped while it was pausing; resuming it continues from {JobRunner.ResumePoint(store.JobArtifactsDirectory(job.Id))}");
        }
    }

    private void StartWhatFits()
    {
        lock (_gate)
        {
            foreach (var job in store.ActiveJobs())
            {
                if (_running.Values.Count(r => r.HoldsPlace) >= options.MaxConcurrentJobs) return;
                // A stopped start still builds its training graphs while it winds down: at most one per place, so that
                // cancelling starts over and over cannot build more than twice the graphs the limit allows at once.
                if (_running.Count >= 2 * options.MaxConcurrentJobs) return;
                if (_running.ContainsKey(job.Id) || _unrecordable.Contains(job.Id)) continue;
                var running = new RunningJob(new CancellationTokenSource(), new CancellationTokenSource());
                running.Run = RunAsync(job, running, _stopping.Token);
                _running[job.Id] = running;
            }
        }
    }

    private async Task RunAsync(JobRecord job, RunningJob running, CancellationToken stoppingToken)
    {
        // Yield first so the entry is in the table before the job can finish and remove it (once the host has started,
        // the wait below does not yield).
        await Task.Yield();
        try
        {
            try
            {
                await _started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;   // the host failed to start or is stopping before it started: the job stays as it was recorded
            }
            await runner.RunAsync(job, running.Cancel.Token, running.Pause.Token, stoppingToken, running.Phase).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The runner records every failure it can; this is a store that cannot be written.
            lock (_gate) _unrecordable.Add(job.Id);
            logger.LogError(ex, "Fine-tuning job {JobId} could not be recorded (the store cannot be written); it is not run again until the service starts again, which retries it",
                job.Id);
        }
        finally
        {
            lock (_gate) _running.Remove(job.Id);
            running.Cancel.Dispose();
            running.Pause.Dispose();
            Signal();
        }
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => StopAsync(cancellationToken);

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _started.TrySetCanceled();   // a stop before the host started: the jobs waiting for it do not start
        _stopping.Cancel();
        return base.StopAsync(cancellationToken);
    }

    // Before the host starts anything, Kestrel included: since .NET 10 ExecuteAsync runs wholly in the background, and a
    // client asking right after the start found a job the previous run left running not yet in the table (its pause or
    // cancel said it had never started). Taking a job up writes nothing: the jobs taken up here wait for StartedAsync to
    // run (_started), so a start that fails after this point records nothing for them.
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        StartWhatFits();
        return Task.CompletedTask;
    }

    // After Kestrel's bind, the last start that could fail, and before the host says it has started (the CLI's listening
    // line): the store's first writes of this start. Made earlier, a start refused at the bind had paused jobs and removed
    // leftovers in a store it was to leave as it found it; the migration of an earlier store is kept only from here on,
    // where a failed start put its database back for the build before (FineTuningStore.Abandon).
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        PauseInterruptedPauses();
        store.KeepMigration();
        store.RemoveLeftovers();
        store.KeepRoomReserve();
        _started.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>Completes when every runner the queue has started has ended (a test's view of "no runner is left").</summary>
    internal Task RunsEnded()
    {
        lock (_gate) return Task.WhenAll(_running.Values.Select(r => r.Run).ToArray());
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A job the queue runs: what a client's cancel and pause fire, whether it still starts, the run to wait for, and
    /// whether it holds one of the <see cref="FineTuningServiceOptions.MaxConcurrentJobs"/> places (not once a cancel or
    /// pause stopped its start: its runner only winds down). It stays in the table until its runner ends, so the job
    /// cannot start a second runner over the same artifacts meanwhile.
    /// </summary>
    private sealed class RunningJob(CancellationTokenSource cancel, CancellationTokenSource pause)
    {
        public bool HoldsPlace { get; set; } = true;
        public CancellationTokenSource Cancel { get; } = cancel;
        public CancellationTokenSource Pause { get; } = pause;
        public JobStartPhase Phase { get; } = new();
        public Task Run { get; set; } = Task.CompletedTask;
    }

    public override void Dispose()
    {
        _started.TrySetCanceled();   // a failed start: the host calls no StopAsync
        _stopping.Cancel();   // as BackgroundService's Dispose cancels its token, which it does not dispose either
        _wake.Dispose();
        base.Dispose();
    }
}
