using System.Globalization;
using System.Text.Json;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Mcp;

/// <summary>
/// Words a job of the fine-tuning service as the tools report it: its settings, newest metrics, progress and events,
/// and what an agent can do next (when to poll again, from the job's pace; how much its validation figures say).
/// </summary>
internal sealed partial class FineTuningJobReporter(IFineTuningJobs jobs, Func<long>? clock = null)
{
    // The newest events searched for the step report and the evaluation the report reads (the API's largest page):
    // a running job records a metrics event every few steps, so its newest step report is among the first.
    private const int EventsSearched = FineTuningService.Jobs.FineTuningJobs.MaxListLimit;

    // Rounded up, as the API counts its lead (FineTuningJobObject.EarliestEstimatedFinish): counted from the whole second
    // before, an overrun estimate, sent as now rounded up + the lead, would read as 6 s left and not as overrun.
    private readonly Func<long> _now = clock ?? (() => FineTuningJobObject.UnixSecondsRoundedUp(DateTimeOffset.UtcNow));

    public FineTuningJobReport Report(FineTuningJobObject job, int events)
    {
        var newest = jobs.ListEvents(job.Id, limit: EventsSearched).Data;
        var recent = newest.Take(events).Select(e => $"{Time(e.CreatedAt)} {e.Level}: {e.Message}").ToArray();
        var latest = jobs.ListCheckpoints(job.Id, limit: 1).Data.FirstOrDefault();
        long? validationExamples = ValidationExamples(newest, latest?.StepNumber);
        var metrics = latest is null ? null : new FineTuningJobMetrics(latest.StepNumber, Metric(latest, "train_loss"), Metric(latest, "valid_loss"),
            Metric(latest, "valid_mean_token_accuracy"), validationExamples);
        var progress = Progress(job, newest);
        return new FineTuningJobReport(
            job.Id,
            job.Status,
            job.Model,
            job.FineTunedModel,
            job.TrainingFile,
            Time(job.CreatedAt),
            job.FinishedAt is { } finished ? Time(finished) : null,
            new FineTuningJobSettings(job.Method.Type, job.Hyperparameters.NEpochs, job.Hyperparameters.BatchSize, job.Hyperparameters.LearningRateMultiplier,
                job.Method.Contrastive?.Hyperparameters.PairRounds, job.Seed),
            job.TrainedTokens,
            ErrorOf(job),
            metrics,
            progress,
            recent,
            Next(job, progress, validationExamples));
    }

    // A figure the checkpoint left out is one that was not finite (JobProgressObserver records no NaN).
    private static double? Metric(CheckpointObject checkpoint, string name) => checkpoint.Metrics.TryGetValue(name, out double value) ? value : null;

    /// <summary>Each job of <paramref name="page"/> in a line, as <c>list_fine_tuning_jobs</c> gives them.</summary>
    public IReadOnlyList<FineTuningJobSummary> Summaries(IReadOnlyList<FineTuningJobObject> page)
    {
        // Read once for the page: which jobs the queue runs before a queued one.
        var newest = page.Any(job => job.Status == "queued") ? jobs.List(limit: EventsSearched).Data : [];
        return [.. page.Select(job => new FineTuningJobSummary(job.Id, job.Status, job.Model, job.FineTunedModel, Time(job.CreatedAt), State(job, newest)))];
    }

    /// <summary>
    /// Whether the queue runs another job before queued <paramref name="job"/>: one that holds a place (running, pausing)
    /// or waits ahead of it, the queue taking jobs in the order they were created. <paramref name="newest"/> is the
    /// service's newest jobs, newest first; a job older than all of them is taken to wait behind another, as it most
    /// likely does.
    /// </summary>
    private static bool AnotherJobIsAhead(FineTuningJobObject job, IReadOnlyList<FineTuningJobObject> newest)
    {
        int at = newest.Select(other => other.Id).ToList().IndexOf(job.Id);
        if (at < 0) return true;
        for (int i = 0; i < newest.Count; i++)
        {
            if (i == at) continue;
            if (newest[i].Status is "running" or "pausing") return true;
            // Older (the list is newest first) and still waiting: the queue takes it first.
            if (i > at && newest[i].Status is "queued" or "validating_files") return true;
        }
        return false;
    }

    /// <summary>
    /// The newest step report (a <c>metrics</c> event with <c>total_steps</c>), and for a running job the API's
    /// estimated finish, which the API keeps ahead of its clock (<see cref="FineTuningJobObject.EstimatedFinishLeadSeconds"/>);
    /// null before the first step is reported.
    /// </summary>
    private FineTuningJobProgress? Progress(FineTuningJobObject job, IReadOnlyList<JobEventObject> newest)
    {
        foreach (var e in newest)
        {
            if (e.Type != "metrics" || e.Data is not { ValueKind: JsonValueKind.Object } data
                || !data.TryGetProperty("step", out var step) || !data.TryGetProperty("total_steps", out var total)) continue;
            long now = _now();
            long? finish = job.Status == "running" && job.EstimatedFinish is long estimate ? Math.Max(estimate, now + 1) : null;
            return new FineTuningJobProgress(step.GetInt64(), total.GetInt64(), finish is long f ? Time(f) : null, finish - now);
        }
        return null;
    }

    /// <summary>How many validation texts the evaluation at <paramref name="step"/> had, as its event records them; null when unknown.</summary>
    private static long? ValidationExamples(IReadOnlyList<JobEventObject> newest, long? step)
    {
        if (step is null) return null;
        foreach (var e in newest)
        {
            if (e.Type == "metrics" && e.Data is { ValueKind: JsonValueKind.Object } data
                && data.TryGetProperty("valid_examples", out var count) && data.TryGetProperty("step", out var at) && at.GetInt64() == step)
                return count.GetInt64();
        }
        return null;
    }

    private string Next(FineTuningJobObject job, FineTuningJobProgress? progress, long? validationExamples) => job.Status switch
    {
        // The job still names its model, as the API's job does, but classify_text answered "no model is named" for it.
        "succeeded" when job.FineTunedModelDeleted =>
            $"Its model '{job.FineTunedModel}' has been deleted and can no longer classify or explain texts: "
            + "start a new job with start_fine_tuning to train again, or pick another model from list_models.",
        "succeeded" when validationExamples is long few and < FineTuningOptions.DefaultMinimumValidationToSelect =>
            $"Classify with classify_text using model '{job.FineTunedModel}'. Its validation figures rest on {Texts(few)} only (under {FineTuningOptions.DefaultMinimumValidationToSelect}), "
            + "too few to say how accurate it is: try it on texts whose labels you know before relying on it, or train again with more examples.",
        "succeeded" => $"Classify with classify_text using model '{job.FineTunedModel}'.",
        // These say what the server's operator must do; nothing in the agent's data is wrong.
        "failed" when job.Error?.Code is "base_model_unavailable" or "base_model_changed" or "insufficient_storage" =>
            "The error is the server's, not the training data's: nothing in the examples needs fixing; do what the error says, then start a new job.",
        "failed" => "Fix what the error names and start a new job.",
        "cancelled" => "Start a new job to train again.",
        "paused" => $"The job is paused at a checkpoint: call resume_fine_tuning_job with job_id '{job.Id}' to continue it from there, or cancel_fine_tuning_job to drop it.",
        // The API sends an estimate it has overrun as now + its lead, poll after poll: "should end in about 5 s" was untrue
        // for the whole tail (the last steps, the final evaluation, the export). A job merely a few seconds from its
        // estimate is sent the same now + lead, so the job's own estimate tells the two apart, not the seconds left.
        "running" when progress is { SecondsLeft: long } && job.PastItsEstimate =>
            $"Training is at step {progress.Step} of {progress.TotalSteps} and past its estimated finish: it is finishing (its last steps, the final evaluation and the export). "
            + $"Call get_fine_tuning_job with job_id '{job.Id}' again in 30 to 60 s.",
        "running" when progress is { SecondsLeft: long left } =>
            $"Training is at step {progress.Step} of {progress.TotalSteps} and should end in about {Duration(left)}. "
            + $"Call get_fine_tuning_job with job_id '{job.Id}' again in about {Duration(PollAfter(left))}.",
        "queued" when SecondsUntilARunningJobEnds() is long left =>
            $"The job is queued behind a running job that should end in about {Duration(left)}. "
            + $"Call get_fine_tuning_job with job_id '{job.Id}' again in about {Duration(Math.Max(PollAfter(left), QueuedPollSeconds))}.",
        _ => $"Call get_fine_tuning_job with job_id '{job.Id}' again in a few seconds.",
    };

    // A queued job starts only once a running one has ended, which takes at least its export: polling it sooner tells nothing new.
    private const long QueuedPollSeconds = 60;

    /// <summary>
    /// Seconds until the soonest running job should end, which is when a queued job may start; null when no running job
    /// has an estimate. The list is newest first, so a running job lies past its first page only behind more waiting jobs
    /// than that page holds: the advice is then the general one.
    /// </summary>
    private long? SecondsUntilARunningJobEnds()
    {
        long now = _now();
        return jobs.List(limit: EventsSearched).Data
            .Where(other => other.Status == "running" && other.EstimatedFinish is not null)
            .Select(other => (long?)Math.Max(other.EstimatedFinish!.Value - now, 1))
            .Min();
    }

    /// <summary>
    /// When to poll a job that should end in <paramref name="secondsLeft"/>: at its end when that is within a minute;
    /// else about four times before it, at least a minute and at most ten apart, so a long job is neither polled
    /// every few seconds nor left unwatched for long.
    /// </summary>
    internal static long PollAfter(long secondsLeft) => secondsLeft <= 60 ? Math.Max(secondsLeft, 1) : Math.Clamp(secondsLeft / 4, 60, 600);

    // "45 s", "3 min", "2 h 5 min": a model reads it as a wait, not a clock.
    private static string Duration(long seconds) => seconds switch
    {
        < 90 => $"{seconds} s",
        < 3600 => $"{(seconds + 30) / 60} min",
        _ => $"{seconds / 3600} h {seconds % 3600 / 60} min",
    };

    private static string Texts(long count) => count == 1 ? "1 text" : $"{count} texts";

    /// <summary>A job's state in one line, for a list of jobs; <paramref name="newest"/> as <see cref="AnotherJobIsAhead"/> takes it.</summary>
    private static string State(FineTuningJobObject job, IReadOnlyList<FineTuningJobObject> newest) => job.Status switch
    {
        "validating_files" => "its files are being checked; it is queued next",
        // With no job before it, it waits for nothing but the queue taking it up: "another job" was untrue of a lone job.
        "queued" when AnotherJobIsAhead(job, newest) => "waiting for another job to finish; cancel_fine_tuning_job drops it",
        "queued" => "waiting to start, with no other job ahead of it; cancel_fine_tuning_job drops it",
        "running" => "training; get_fine_tuning_job tells its progress, cancel_fine_tuning_job stops it",
        "pausing" => "stopping at its next optimizer step, where it checkpoints and is paused",
        "paused" => "paused at a checkpoint; resume_fine_tuning_job continues it, cancel_fine_tuning_job drops it",
        "succeeded" when job.FineTunedModelDeleted => $"trained, but its model '{job.FineTunedModel}' has been deleted; start_fine_tuning trains again",
        "succeeded" => $"trained: classify with model '{job.FineTunedModel}'",
        "failed" => "failed: " + (ErrorOf(job) ?? "get_fine_tuning_job tells why"),
        "cancelled" => "cancelled; it left no model",
        _ => job.Status,
    };

    private static string? ErrorOf(FineTuningJobObject job) =>
        job.Error is { } error ? (error.Param is null ? InToolTerms(error.Message) : $"{InToolTerms(error.Param)}: {InToolTerms(error.Message)}") : null;

    /// <summary>
    /// A hyperparameter as the tools spell it (<c>batch_size</c>, start_fine_tuning's argument) where the service names
    /// its place in an API body (<c>hyperparameters.batch_size</c>, <c>method.supervised.hyperparameters.batch_size</c>),
    /// which an agent never wrote: a job's later failure told it to give "a smaller hyperparameters.batch_size".
    /// </summary>
    internal static string InToolTerms(string text) => HyperparameterPlace().Replace(text, "$1");

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?:method\.[a-z]+\.)?hyperparameters\.([a-z_]+)")]
    private static partial System.Text.RegularExpressions.Regex HyperparameterPlace();

    public static string Time(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
