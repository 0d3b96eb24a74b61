using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>How far a job has trained, from its newest step report, and when it should end, for an agent deciding when to poll again.</summary>
internal sealed record FineTuningJobProgress(
    [property: Description("The newest optimizer step reported (reports come every few steps and at each epoch's end).")] long Step,
    [property: Description("The optimizer steps the job takes in all; the final evaluation and export follow the last.")] long TotalSteps,
    [property: Description("While the job runs: when it should end, ISO 8601 UTC, from its pace so far (the fine-tuning API's estimated finish); never in the past; null when not yet known or once it has ended.")] string? EstimatedFinish,
    [property: Description("Seconds from now to estimated_finish, or null with it.")] long? SecondsLeft);
