using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService.Api;

/// <summary>OpenAI's <c>fine_tuning.job.checkpoint</c> object; metrics carry OpenAI's names.</summary>
public sealed record CheckpointObject(string Id, long CreatedAt, string FineTunedModelCheckpoint, string FineTuningJobId, long StepNumber,
    IReadOnlyDictionary<string, double> Metrics)
{
    public string Object => "fine_tuning.job.checkpoint";

    internal static CheckpointObject From(JobCheckpoint c, string jobId) =>
        new(c.Id, c.CreatedAt, c.ModelCheckpoint, jobId, c.StepNumber, c.Metrics);
}
