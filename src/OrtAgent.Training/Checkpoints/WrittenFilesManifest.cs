using System.Text.Json;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// The list of files OrtAgent wrote into a directory it owns, kept in the directory as <see cref="FileName"/>.
/// <see cref="AtomicDirectory.Replace"/> writes it into every directory it puts in place, and
/// <see cref="DestinationGuard"/> reads it to decide whether a directory may be replaced: only when every file in it is
/// listed, so a file someone else added is never deleted.
/// </summary>
public static class WrittenFilesManifest
{
    /// <summary>The manifest's name; a dot file, so listings of an exported model show only the model's own files.</summary>
    public const string FileName = Runtime.Explanations.IntegratedGradientsSession.WrittenFilesManifestFile;

    private const string Writer = "OrtAgent";

    /// <summary>Lists every file under <paramref name="directory"/> (paths relative to it, '/'-separated) in its manifest.</summary>
    public static void Write(string directory)
    {
        var files = FilesIn(directory).Order(StringComparer.Ordinal).ToList();
        var json = JsonSerializer.Serialize(new Manifest(Writer, files));
        File.WriteAllText(Path.Combine(directory, FileName), json);
    }

    /// <summary>
    /// Adds <paramref name="relativeName"/> to the manifest in <paramref name="directory"/>, for a file OrtAgent wrote
    /// into a directory it put in place earlier; a directory without a readable manifest is left as it is.
    /// </summary>
    public static void Add(string directory, string relativeName)
    {
        if (Read(directory) is not { } listed || listed.Contains(relativeName)) return;
        var json = JsonSerializer.Serialize(new Manifest(Writer, listed.Append(relativeName).Order(StringComparer.Ordinal).ToList()));
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), json);
    }

    /// <summary>
    /// The files the manifest in <paramref name="directory"/> lists, or null when it has none or an unreadable one (an
    /// unreadable manifest proves nothing, so the directory is treated as unrecognised).
    /// </summary>
    public static IReadOnlySet<string>? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!DestinationGuard.HasBytes(path)) return null;
        try
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path));
            return manifest is { WrittenBy: Writer, Files: { } files } ? files.ToHashSet(StringComparer.Ordinal) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Every file under <paramref name="directory"/>, relative and '/'-separated, the manifest excluded.</summary>
    internal static IEnumerable<string> FilesIn(string directory) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => RelativeName(directory, f))
            .Where(f => f != FileName);

    private static string RelativeName(string directory, string file) =>
        Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');

    private sealed record Manifest(
        [property: System.Text.Json.Serialization.JsonPropertyName("written_by")] string WrittenBy,
        [property: System.Text.Json.Serialization.JsonPropertyName("files")] IReadOnlyList<string> Files);
}
