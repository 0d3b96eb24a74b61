using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A pause meets what else happens to a training job: a cancel sent while it waits for its checkpoint, and a record of
/// the pause that takes its time (a database write on a disk busy with a checkpoint).
/// </summary>
public sealed class PauseAndCancelRaceTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A pause the job took (it reads <c>pausing</c>) and a cancel sent before its checkpoint: the cancel wins, and the
    /// pause, which waited for the job to stop, answers 200 with the job as it then is, cancelled; it answered 400
    /// "has status 'cancelled'". A pause sent once the job is cancelled is still refused. The training is held where it
    /// began until both have reached it, so the cancel overtakes the pause every time.
    /// </summary>
    [Fact]
    public async Task APauseACancelOvertakesIsAnsweredWithTheCancelledJob()
    {
        var hold = new HeldTraining(HeldTraining.Point.TrainingStarted, releasedByStop: false);
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "pause-overtaken-store"), fixture.Tiny.BaseModel,
            beforeStart: app => hold.Install(app.Services.GetRequiredService<JobRunner>()));
        var (job, _) = await FineTuningServiceTests.StartALongJobAsync(service, fixture);
        var jobs = service.App.Services.GetRequiredService<IFineTuningJobs>();
        Task<HttpResponseMessage> pause;
        FineTuningJobObject cancelled;
        try
        {
            await hold.Entered.WaitAsync(Bound);
            pause = service.Http.PostAsync($"/v1/fine_tuning/jobs/{job.JobId}/pause", null);
            await service.WaitForJobAsync(job.JobId, status => status == "pausing", Bound);
            // In process, the cancel has reached the job's training by the time its task is returned.
            var cancel = jobs.CancelAsync(job.JobId);
            hold.Release();
            cancelled = await cancel.WaitAsync(Bound);
        }
        finally
        {
            hold.Release();
        }

        Assert.Equal("cancelled", cancelled.Status);
        using (var answer = await pause.WaitAsync(Bound))
        {
            var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(answer.StatusCode == HttpStatusCode.OK, body.ToString());
            Assert.Equal("cancelled", body.GetProperty("status").GetString());
        }
        using var late = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{job.JobId}/pause", null);
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Equal("invalid_job_state", (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    /// <summary>
    /// The other order: a pause sent while a cancel the job took is still stopping its training. It recorded the job
    /// <c>pausing</c>, with a "Fine-tuning job pausing" event, for a job that was being cancelled and never paused. The
    /// pause now records nothing, waits for the cancel as a pause a cancel overtook does, and answers with the job as it
    /// then is, cancelled. The training is held where it began until both requests have reached the job.
    /// </summary>
    [Fact]
    public async Task APauseSentWhileACancelIsUnderWayRecordsNoPausing()
    {
        var hold = new HeldTraining(HeldTraining.Point.TrainingStarted, releasedByStop: false);
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "pause-after-cancel-store"), fixture.Tiny.BaseModel,
            beforeStart: app => hold.Install(app.Services.GetRequiredService<JobRunner>()));
        var (job, _) = await FineTuningServiceTests.StartALongJobAsync(service, fixture);
        var jobs = service.App.Services.GetRequiredService<IFineTuningJobs>();
        Task<FineTuningJobObject> cancel, pause;
        string statusWhileCancelling;
        try
        {
            await hold.Entered.WaitAsync(Bound);
            // In process, each request has reached the job (the cancel its training, the pause the queue) by the time its task is returned.
            cancel = jobs.CancelAsync(job.JobId);
            pause = jobs.PauseAsync(job.JobId);
            statusWhileCancelling = jobs.Get(job.JobId).Status;
            hold.Release();
            await cancel.WaitAsync(Bound);
        }
        finally
        {
            hold.Release();
        }

        Assert.Equal("running", statusWhileCancelling);
        Assert.Equal("cancelled", (await cancel).Status);
        Assert.Equal("cancelled", (await pause.WaitAsync(Bound)).Status);
        Assert.DoesNotContain(await FineTuningServiceTests.Messages(job), message => message.Contains("pausing", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The pause reaches the training before it is recorded: the record (a read and a database transaction) came
    /// first, and while a disk busy with a checkpoint held it for a second or more the training went on step after
    /// step (a pause landing after an epoch's evaluation at step 21 stopped at step 27). The record is held here until
    /// the training has stopped; the job stops within one optimizer step of the request, and is paused there.
    /// </summary>
    [Fact]
    public async Task APauseStopsTheTrainingWithoutWaitingForItsRecord()
    {
        var training = new WatchedTraining();
        bool stoppedBeforeRecord = false;
        long stepAtRequest = -1;
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "pause-record-held-store"), fixture.Tiny.BaseModel,
            beforeStart: app =>
            {
                app.Services.GetRequiredService<JobRunner>().ObserveTraining = (_, job, _) => training.Observe(job);
                app.Services.GetRequiredService<JobQueue>().BeforePausingRecorded = _ =>
                {
                    stepAtRequest = training.LastStep;
                    stoppedBeforeRecord = training.Stopped.Wait(Bound);
                };
            });
        var (job, _) = await FineTuningServiceTests.StartALongJobAsync(service, fixture);
        await training.FifthStep.WaitAsync(Bound);

        using var pause = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{job.JobId}/pause", null);

        var body = await pause.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(pause.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("paused", body.GetProperty("status").GetString());
        Assert.True(stoppedBeforeRecord, "the training did not stop while the pause's record was held");
        long stopped = await training.Stopped;
        Assert.InRange(stopped, stepAtRequest, stepAtRequest + 1);
        Assert.Contains($"Fine-tuning job paused at step {stopped}; resuming it continues from its checkpoint at step {stopped}",
            await FineTuningServiceTests.Messages(job));
        await service.Http.PostAsync($"/v1/fine_tuning/jobs/{job.JobId}/cancel", null);
    }

    /// <summary>Watches a job's training from its own thread: the last step taken, the fifth, and the step it stopped at.</summary>
    private sealed class WatchedTraining
    {
        private readonly TaskCompletionSource _fifthStep = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<long> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _lastStep;

        public long LastStep => Interlocked.Read(ref _lastStep);

        public Task FifthStep => _fifthStep.Task;

        /// <summary>The step the training stopped at, with its checkpoint written.</summary>
        public Task<long> Stopped => _stopped.Task;

        public ITrainingObserver Observe(ITrainingObserver job) => new Observer(job, this);

        private sealed class Observer(ITrainingObserver job, WatchedTraining watched) : ITrainingObserver
        {
            public void OnTrainingStarted(long fromStep) => job.OnTrainingStarted(fromStep);

            public void OnStep(TrainingStepInfo step)
            {
                job.OnStep(step);
                Interlocked.Exchange(ref watched._lastStep, step.Step);
                if (step.Step >= 5) watched._fifthStep.TrySetResult();
            }

            public void OnEvaluation(EvaluationInfo evaluation) => job.OnEvaluation(evaluation);

            public void OnMessage(string message) => job.OnMessage(message);

            public void OnWarning(string message) => job.OnWarning(message);

            public void OnCheckpointSaved(long step) => job.OnCheckpointSaved(step);

            public void OnStoppedAtCheckpoint(long step, string checkpointDirectory)
            {
                job.OnStoppedAtCheckpoint(step, checkpointDirectory);
                watched._stopped.TrySetResult(step);
            }
        }
    }
}
