namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Finds a file where a path needs a folder (<c>notes.txt/out.csv</c>): the one check behind every output's "is a file,
/// not a directory", which the file system otherwise words by what it tried (a missing directory, a part of the path
/// not found, a lock file that already exists).
/// </summary>
internal static class FileOnPath
{
    /// <summary>The nearest existing path above <paramref name="path"/> when it is a file, not a folder; null otherwise.</summary>
    public static string? Above(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        for (var parent = Path.GetDirectoryName(full); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent)) return null;
            if (File.Exists(parent)) return parent;
        }
        return null;
    }
}
