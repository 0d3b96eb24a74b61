using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>What <c>start_fine_tuning</c> and <c>get_fine_tuning_job</c> return: one job, in terms a model can act on.</summary>
internal sealed record FineTuningJobReport(
    [property: Description("The job's id: pass it as 'job_id' to get_fine_tuning_job.")] string JobId,
    [property: Description("validating_files, queued, running, pausing, paused, succeeded, failed or cancelled. The last three are final; pausing: on its way to paused, poll again; a paused job continues only when resumed (resume_fine_tuning_job).")] string Status,
    [property: Description("The base model (or earlier fine-tuned model) the job trains from.")] string BaseModel,
    [property: Description("The name of the trained classifier once the job has succeeded (pass it as 'model' to classify_text and explain_text), otherwise null. A deleted model is still named here; next then says it is gone.")] string? FineTunedModel,
    [property: Description("The id of the training file in the service's store.")] string TrainingFile,
    [property: Description("When the job was created, ISO 8601 UTC.")] string CreatedAt,
    [property: Description("When the job ended, ISO 8601 UTC, or null while it runs.")] string? FinishedAt,
    [property: Description("The method, epochs, batch size and learning-rate multiplier the job trains with.")] FineTuningJobSettings Settings,
    [property: Description("Tokens trained on (every epoch counted), set when the job succeeds and null until then, as OpenAI's fine-tuning API reports them.")] long? TrainedTokens,
    [property: Description("Why the job failed, naming the file line or setting at fault, or null.")] string? Error,
    [property: Description("The newest checkpoint's evaluation: an epoch's, or for a contrastive job the classifier head fitted at its end; null before the first.")] FineTuningJobMetrics? LatestMetrics,
    [property: Description("How far the job has trained and when it should end; null before its first step is reported.")] FineTuningJobProgress? Progress,
    [property: Description("The job's newest events, newest first: status changes, training progress and evaluations.")] IReadOnlyList<string> RecentEvents,
    [property: Description("What to do next: for a running job, about when to call get_fine_tuning_job again.")] string Next);

