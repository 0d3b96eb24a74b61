namespace OrtAgent.FineTuningService.Store;

/// <summary>One page of a list, newest first, and whether older rows remain.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, bool HasMore)
{
    /// <summary>The cursor the page was asked after when it names no row of the list (the page is then empty); else null.</summary>
    public string? UnknownCursor { get; init; }
}
