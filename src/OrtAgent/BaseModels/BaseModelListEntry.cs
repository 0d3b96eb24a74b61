namespace OrtAgent.BaseModels;

/// <summary>One row of <c>models list</c>: a packaged model (pulled or not) or another directory under <c>models/base</c>.</summary>
/// <param name="Name">Catalog name, or the directory name for a model the user placed there.</param>
/// <param name="Package">Source package; null for a user-placed directory.</param>
/// <param name="Version">Source package version; null for a user-placed directory.</param>
/// <param name="IsPulled">True when the directory exists with a descriptor.</param>
/// <param name="Directory">Full path where the model is or would be.</param>
public sealed record BaseModelListEntry(string Name, string? Package, string? Version, bool IsPulled, string Directory)
{
    /// <summary>For a pulled packaged model whose files do not match its descriptor: why (<c>models pull</c> repairs it); otherwise null.</summary>
    public string? Damage { get; init; }
}
