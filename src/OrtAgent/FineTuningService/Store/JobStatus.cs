namespace OrtAgent.FineTuningService.Store;

/// <summary>The job states of OpenAI's API.</summary>
internal static class JobStatus
{
    public const string ValidatingFiles = "validating_files";
    public const string Queued = "queued";
    public const string Running = "running";
    /// <summary>
    /// Asked to pause while it trains: it stops at its next optimizer step, checkpoints there and is <see cref="Paused"/>.
    /// An OrtAgent state, as <see cref="Paused"/> is; OpenAI's .NET library reads both (not <c>InProgress</c>, not completed).
    /// </summary>
    public const string Pausing = "pausing";
    /// <summary>Stopped at a checkpoint by a pause request; a resume queues it to continue from there.</summary>
    public const string Paused = "paused";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>The states the queue starts or runs: <see cref="JobRecord.IsActive"/>.</summary>
    public static readonly string[] Active = [ValidatingFiles, Queued, Running];

    /// <summary>The states of a job that may still train, pausing and paused included: <see cref="JobRecord.MayStillTrain"/>.</summary>
    public static readonly string[] Unfinished = [.. Active, Pausing, Paused];

    /// <summary>The states of a job that holds one of the queue's running places, not a place among those waiting.</summary>
    public static readonly string[] Training = [Running, Pausing];
}
