using System.Text.RegularExpressions;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService.Models;

/// <summary>
/// OpenAI's naming of a fine-tuned model, <c>ft:BASE:SUFFIX:JOB</c> (<c>ft:minilm:reviews:ftjob-abc</c>; the suffix may
/// be empty), and of a job's checkpoint, <c>ft:BASE:SUFFIX:JOB:ckpt-step-N</c>: made and read here alone, so the job that
/// names a model and the catalogue that finds it agree on where each part stands.
/// </summary>
internal static class FineTunedModelId
{
    private static readonly Regex CheckpointId = new(@"^ft:[^:]*:[^:]*:(?<job>ftjob-[^:]+):ckpt-step-(?<step>\d+)$");

    /// <summary>The id of the model job <paramref name="jobId"/> makes from <paramref name="baseName"/>.</summary>
    public static string Make(string baseName, string? suffix, string jobId) => $"ft:{baseName}:{suffix}:{jobId}";

    /// <summary>The id of the model <paramref name="job"/> makes (or made), from the base its starting model was trained from.</summary>
    public static string Of(JobRecord job) => Make(BaseOf(job.Model) ?? job.Model, job.Suffix, job.Id);

    /// <summary>The base encoder a fine-tuned id was trained from (its second segment); null for an id that is not fine-tuned.</summary>
    public static string? BaseOf(string id) => id.StartsWith("ft:", StringComparison.Ordinal) ? id.Split(':')[1] : null;

    /// <summary>The job a fine-tuned id names (its last segment); null for an id that is not fine-tuned.</summary>
    public static string? JobIdOf(string id) => id.StartsWith("ft:", StringComparison.Ordinal) ? id[(id.LastIndexOf(':') + 1)..] : null;

    /// <summary>The job and step a checkpoint id (from a job's checkpoint list) names; null for any other id.</summary>
    public static (string JobId, string Step)? CheckpointOf(string id) =>
        CheckpointId.Match(id) is { Success: true } checkpoint ? (checkpoint.Groups["job"].Value, checkpoint.Groups["step"].Value) : null;
}
