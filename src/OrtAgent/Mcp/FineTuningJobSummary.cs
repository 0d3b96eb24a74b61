using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>One job as <c>list_fine_tuning_jobs</c> shows it: enough to pick the job to get, cancel or resume.</summary>
internal sealed record FineTuningJobSummary(
    [property: Description("The job's id: pass it as 'job_id' to get_fine_tuning_job, cancel_fine_tuning_job or resume_fine_tuning_job.")] string JobId,
    [property: Description("validating_files, queued, running, pausing, paused, succeeded, failed or cancelled.")] string Status,
    [property: Description("The base model (or earlier fine-tuned model) the job trains from.")] string BaseModel,
    [property: Description("The name of the trained classifier once the job has succeeded, otherwise null. A deleted model is still named here; state then says it is gone.")] string? FineTunedModel,
    [property: Description("When the job was created, ISO 8601 UTC.")] string CreatedAt,
    [property: Description("Where the job stands and what can be done with it, in one line.")] string State);
