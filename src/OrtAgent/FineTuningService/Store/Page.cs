namespace OrtAgent.FineTuningService.Store;

/// <summary>One page of a list, newest first, and whether older rows remain.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, bool HasMore);
