using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Runs jobs in the order they were created, at most <see cref="FineTuningServiceOptions.MaxConcurrentJobs"/> at a
/// time. On start it picks up the jobs a previous run left running (they resume from their checkpoints) before
/// queued ones. On stop it cancels the running jobs' training, which checkpoints at the next optimizer step, and
/// waits for them, so no job is lost and none restarts from zero.
/// </summary>
internal sealed class JobQueue(FineTuningStore store, JobRunner runner, FineTuningServiceOptions options, ILogger<JobQueue> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (CancellationTokenSource Cancel, Task Run)> _running = [];

    /// <summary>Tells the queue a job was added or finished.</summary>
    public void Signal() => _wake.Release();

    /// <summary>
    /// Cancels a job: a queued one at once, a running one by stopping its training at the next optimizer step and
    /// waiting (up to <paramref name="wait"/>) for the runner to record it.
    /// </summary>
    /// <returns>False when the job is not active (already finished).</returns>
    public async Task<bool> CancelAsync(string jobId, TimeSpan wait)
    {
        Task? run = null;
        lock (_gate)
        {
            if (_running.TryGetValue(jobId, out var entry))
            {
                entry.Cancel.Cancel();
                run = entry.Run;
            }
            else if (store.GetJob(jobId) is { IsActive: true } job)
            {
                // Not started and cannot start while the gate is held.
                store.UpdateJob(job with { Status = JobStatus.Cancelled, FinishedAt = FineTuningStore.Now(), EstimatedFinish = null },
                    "info", "Fine-tuning job cancelled before it started");
                return true;
            }
            else return false;
        }
        await Task.WhenAny(run, Task.Delay(wait)).ConfigureAwait(false);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                StartWhatFits(stoppingToken);
                await _wake.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to wait for the running jobs to checkpoint.
        }
        Task[] runs;
        lock (_gate) runs = _running.Values.Select(r => r.Run).ToArray();
        await Task.WhenAll(runs).ConfigureAwait(false);
    }

    private void StartWhatFits(CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            foreach (var job in store.ActiveJobs())
            {
                if (_running.Count >= options.MaxConcurrentJobs) return;
                if (_running.ContainsKey(job.Id)) continue;
                var cancel = new CancellationTokenSource();
                _running[job.Id] = (cancel, RunAsync(job, cancel, stoppingToken));
            }
        }
    }

    private async Task RunAsync(JobRecord job, CancellationTokenSource cancel, CancellationToken stoppingToken)
    {
        // Yield first so the entry is in the table before the job can finish and remove it.
        await Task.Yield();
        try
        {
            await runner.RunAsync(job, cancel.Token, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The runner records every failure it can; this is a store that cannot be written.
            logger.LogError(ex, "Fine-tuning job {JobId} could not be recorded", job.Id);
        }
        finally
        {
            lock (_gate) _running.Remove(job.Id);
            cancel.Dispose();
            Signal();
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
