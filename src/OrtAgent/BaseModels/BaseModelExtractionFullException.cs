namespace OrtAgent.BaseModels;

/// <summary>
/// A packaged base model's extraction that found the disk full. It is the file system's error, its number kept (so it is
/// still said as a full disk), its message naming the file in the base's folder rather than in the staging copy the
/// failure removed; <see cref="Directory"/> is that folder, for a host that names the base by its name instead.
/// </summary>
internal sealed class BaseModelExtractionFullException : IOException
{
    public BaseModelExtractionFullException(string directory, IOException inner)
        : base(Training.Checkpoints.TemporarySiblings.NameDestinations(inner.Message), inner)
    {
        HResult = inner.HResult;
        Directory = directory;
    }

    /// <summary>The base's folder under the models root, a full path.</summary>
    public string Directory { get; }
}
