using System.Text.Json;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>What get_fine_tuning_job's 'next' advises, from the job and the API's estimates, at a fixed clock.</summary>
public sealed class FineTuningJobReporterTests
{
    private const long Now = 1_800_000_000;

    private readonly FakeFineTuningJobs _jobs = new();

    private static FineTuningJobObject Job(string id, string status, long? estimatedFinish = null) => new()
    {
        Id = id,
        CreatedAt = Now - 600,
        Model = "minilm",
        Status = status,
        TrainingFile = "file-1",
        Hyperparameters = new(3, 16, 1),
        Seed = 1,
        EstimatedFinish = estimatedFinish,
        Method = new("supervised"),
    };

    private static OrtAgent.FineTuningService.Store.JobRecord RunningRecord(long estimatedFinish) => new()
    {
        Id = "ftjob-r",
        CreatedAt = Now - 600,
        Model = "minilm",
        TrainingFile = "file-1",
        Seed = 1,
        NEpochs = 3,
        BatchSize = 16,
        LearningRateMultiplier = 1,
        Status = "running",
        EstimatedFinish = estimatedFinish,
    };

    private void StepReported(string jobId, long step, long totalSteps) =>
        _jobs.Events.Add(new JobEventObject($"{jobId}/1", Now - 10, "info", $"step {step}", "metrics",
            JsonSerializer.SerializeToElement(new { step, total_steps = totalSteps })));

    private string Next(FineTuningJobObject job)
    {
        _jobs.Jobs.Insert(0, job);
        return new FineTuningJobReporter(_jobs, () => Now).Report(job, 0).Next;
    }

    /// <summary>
    /// Once a job overran its estimate, the API sent now + 5 s at every poll, and the advice said "should end in about
    /// 5 s … again in about 5 s" for the whole tail. Past its estimate, it says so and advises 30 to 60 s; a job merely
    /// under 5 s from its estimate, which the API sends as now + 5 s too, was told it had overrun and to wait 30 to 60 s.
    /// </summary>
    [Theory]
    [InlineData(Now + 5, true, "Training is at step 90 of 100 and past its estimated finish: it is finishing (its last steps, the final evaluation and the export). "
        + "Call get_fine_tuning_job with job_id 'ftjob-a' again in 30 to 60 s.")]
    [InlineData(Now + 5, false, "Training is at step 90 of 100 and should end in about 5 s. Call get_fine_tuning_job with job_id 'ftjob-a' again in about 5 s.")]
    [InlineData(Now + 6, false, "Training is at step 90 of 100 and should end in about 6 s. Call get_fine_tuning_job with job_id 'ftjob-a' again in about 6 s.")]
    [InlineData(Now + 1200, false, "Training is at step 90 of 100 and should end in about 20 min. Call get_fine_tuning_job with job_id 'ftjob-a' again in about 5 min.")]
    public void ARunningJobIsAdvisedFromItsEstimateUntilItHasOverrunIt(long estimatedFinish, bool pastItsEstimate, string next)
    {
        StepReported("ftjob-a", 90, 100);

        Assert.Equal(next, Next(Job("ftjob-a", "running", estimatedFinish) with { PastItsEstimate = pastItsEstimate }));
    }

    /// <summary>The API's job says whether the job's own estimate has passed, which its estimated_finish (never under now + 5 s) cannot.</summary>
    [Theory]
    [InlineData(-30, true)]
    [InlineData(0, true)]
    [InlineData(2, false)]
    [InlineData(600, false)]
    public void TheApisJobSaysWhetherItsOwnEstimateHasPassed(long ownEstimateFromNow, bool past)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(Now).AddMilliseconds(300);
        var job = FineTuningJobObject.From(RunningRecord(Now + ownEstimateFromNow), now);

        Assert.Equal(past, job.PastItsEstimate);
        Assert.Equal(Math.Max(Now + ownEstimateFromNow, Now + 1 + FineTuningJobObject.EstimatedFinishLeadSeconds), job.EstimatedFinish);
    }

    /// <summary>A queued job was told to poll again "in a few seconds" while the job ahead of it ran for minutes.</summary>
    [Theory]
    [InlineData(Now + 1200, "in about 20 min. Call get_fine_tuning_job with job_id 'ftjob-b' again in about 5 min.")]
    // Never sooner than a minute: a queued job starts only after the running one's export.
    [InlineData(Now + 5, "in about 5 s. Call get_fine_tuning_job with job_id 'ftjob-b' again in about 60 s.")]
    public void AQueuedJobIsAdvisedFromTheRunningJobAheadOfIt(long runningFinish, string next)
    {
        _jobs.Jobs.Add(Job("ftjob-a", "running", runningFinish));

        Assert.Equal("The job is queued behind a running job that should end " + next, Next(Job("ftjob-b", "queued")));
    }

    /// <summary>
    /// A job that failed while training names the hyperparameter to change as start_fine_tuning's argument, not as its
    /// place in an API body, which the agent never wrote.
    /// </summary>
    [Theory]
    [InlineData("hyperparameters.batch_size")]
    [InlineData("method.supervised.hyperparameters.batch_size")]
    [InlineData("method.contrastive.hyperparameters.batch_size")]
    public void AFailedJobNamesTheHyperparameterAsTheToolsArgument(string param)
    {
        var job = Job("ftjob-c", "failed") with { Error = new("out_of_memory", $"the service ran out of memory training this job; create it again with a smaller {param}", param) };
        _jobs.Jobs.Add(job);

        Assert.Equal("batch_size: the service ran out of memory training this job; create it again with a smaller batch_size",
            new FineTuningJobReporter(_jobs, () => Now).Report(job, 0).Error);
    }

    private string ListedState(string jobId) =>
        new FineTuningJobReporter(_jobs, () => Now).Summaries(_jobs.Jobs).Single(job => job.JobId == jobId).State;

    /// <summary>
    /// A lone queued job (stdio, a fresh store, the moment start_fine_tuning returns) was listed as "waiting for another job
    /// to finish", though no other job existed: it waits for its start.
    /// </summary>
    [Fact]
    public void AQueuedJobWithNoJobAheadIsSaidToWaitForItsStart()
    {
        _jobs.Jobs.Add(Job("ftjob-b", "queued"));
        // Finished jobs and a newer queued one are not ahead of it.
        _jobs.Jobs.Add(Job("ftjob-a", "succeeded"));
        _jobs.Jobs.Insert(0, Job("ftjob-c", "queued"));

        Assert.Equal("waiting to start, with no other job ahead of it; cancel_fine_tuning_job drops it", ListedState("ftjob-b"));
        Assert.Equal("waiting for another job to finish; cancel_fine_tuning_job drops it", ListedState("ftjob-c"));
    }

    /// <summary>A job that holds the queue's place, newer or older (one resumed), is ahead of a queued one.</summary>
    [Theory]
    [InlineData("running", false)]
    [InlineData("pausing", false)]
    [InlineData("running", true)]
    public void AQueuedJobBehindOneThatHoldsThePlaceWaitsForIt(string status, bool newer)
    {
        _jobs.Jobs.Add(Job("ftjob-b", "queued"));
        _jobs.Jobs.Insert(newer ? 0 : 1, Job("ftjob-a", status));

        Assert.Equal("waiting for another job to finish; cancel_fine_tuning_job drops it", ListedState("ftjob-b"));
    }

    [Fact]
    public void AQueuedJobWithNoEstimateAheadIsAdvisedAFewSeconds()
    {
        _jobs.Jobs.Add(Job("ftjob-a", "running"));

        Assert.Equal("Call get_fine_tuning_job with job_id 'ftjob-b' again in a few seconds.", Next(Job("ftjob-b", "queued")));
    }

    /// <summary>
    /// A job failed by the server (its base model, its disk) was advised "Fix what the error names and start a new job",
    /// which sent an agent to look for a fault in its examples that the error says is not there; a data error keeps it.
    /// </summary>
    [Theory]
    [InlineData("base_model_unavailable", "The error is the server's, not the training data's: nothing in the examples needs fixing; do what the error says, then start a new job.")]
    [InlineData("base_model_changed", "The error is the server's, not the training data's: nothing in the examples needs fixing; do what the error says, then start a new job.")]
    [InlineData("insufficient_storage", "The error is the server's, not the training data's: nothing in the examples needs fixing; do what the error says, then start a new job.")]
    [InlineData("invalid_training_file", "Fix what the error names and start a new job.")]
    public void AFailedJobIsAdvisedByWhoseErrorItIs(string code, string next) =>
        Assert.Equal(next, Next(Job("ftjob-f", "failed") with { Error = new(code, "what went wrong", null) }));
}
