using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>What <c>list_fine_tuning_jobs</c> returns.</summary>
internal sealed record FineTuningJobList(
    [property: Description("The service's jobs, newest first, started through these tools or the fine-tuning API.")] IReadOnlyList<FineTuningJobSummary> Jobs,
    [property: Description("Whether older jobs are left out: list them by passing the last job's job_id as 'after'.")] bool HasMore);
