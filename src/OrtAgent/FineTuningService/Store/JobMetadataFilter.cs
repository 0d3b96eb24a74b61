namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// The <c>metadata</c> filter of OpenAI's job list: the jobs whose metadata holds every pair of <see cref="Pairs"/>
/// (<c>?metadata[team]=search</c>), or, with <see cref="WithoutMetadata"/>, the jobs created without any
/// (<c>?metadata=null</c>).
/// </summary>
public sealed record JobMetadataFilter
{
    public IReadOnlyDictionary<string, string> Pairs { get; init; } = new Dictionary<string, string>();

    public bool WithoutMetadata { get; init; }
}
