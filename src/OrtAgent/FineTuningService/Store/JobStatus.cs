namespace OrtAgent.FineTuningService.Store;

/// <summary>The job states of OpenAI's API.</summary>
internal static class JobStatus
{
    public const string ValidatingFiles = "validating_files";
    public const string Queued = "queued";
    public const string Running = "running";
    /// <summary>Stopped at a checkpoint by a pause request; a resume queues it to continue from there.</summary>
    public const string Paused = "paused";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>The states the queue starts or runs: <see cref="JobRecord.IsActive"/>.</summary>
    public static readonly string[] Active = [ValidatingFiles, Queued, Running];

    /// <summary>The states of a job that may still train, paused included: <see cref="JobRecord.MayStillTrain"/>.</summary>
    public static readonly string[] Unfinished = [.. Active, Paused];
}
