namespace OrtAgent.FineTuningService.Store;

/// <summary>A checkpoint object as stored: the step it was taken at and its metrics by OpenAI's names.</summary>
internal sealed record JobCheckpoint(string Id, long CreatedAt, long StepNumber, string ModelCheckpoint, IReadOnlyDictionary<string, double> Metrics);
