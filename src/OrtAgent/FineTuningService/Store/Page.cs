namespace OrtAgent.FineTuningService.Store;

/// <summary>One page of a list, newest first, and whether older rows remain.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, bool HasMore);

/// <summary>A job event as stored; <paramref name="DataJson"/> is the <c>data</c> object's JSON, if any.</summary>
internal sealed record JobEvent(string Id, long CreatedAt, string Level, string Message, string Type, string? DataJson);

/// <summary>A checkpoint object as stored: the step it was taken at and its metrics by OpenAI's names.</summary>
internal sealed record JobCheckpoint(string Id, long CreatedAt, long StepNumber, string ModelCheckpoint, IReadOnlyDictionary<string, double> Metrics);
