namespace OrtAgent.FineTuningService.Store;

/// <summary>The job states of OpenAI's API.</summary>
internal static class JobStatus
{
    public const string ValidatingFiles = "validating_files";
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}
