namespace OrtAgent.FineTuningService.Store;

/// <summary>A job event as stored; <paramref name="DataJson"/> is the <c>data</c> object's JSON, if any.</summary>
internal sealed record JobEvent(string Id, long CreatedAt, string Level, string Message, string Type, string? DataJson);
