using System.Security.Cryptography;

namespace OrtAgent.Tests.Infrastructure;

/// <summary>Every directory and file under a root with a hash of each file's bytes, to prove a run changed nothing.</summary>
internal static class TreeSnapshot
{
    /// <summary>Relative path → SHA-256 of the file ("dir" for a directory), sorted by path; nothing at or under <paramref name="except"/>.</summary>
    public static SortedDictionary<string, string> Take(string root, string? except = null)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
        foreach (var directory in Directory.EnumerateDirectories(root, "*", options))
            entries[Path.GetRelativePath(root, directory)] = "dir";
        foreach (var file in Directory.EnumerateFiles(root, "*", options))
            entries[Path.GetRelativePath(root, file)] = Hash(file);
        if (except is not null)
            foreach (var key in entries.Keys.Where(k => k == except || k.StartsWith(except + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToList())
                entries.Remove(key);
        return entries;
    }

    // A lock file another open holds (an OrtAgent claim) cannot be opened even for reading; its size stands in.
    private static string Hash(string file)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        }
        catch (IOException) when (file.EndsWith(".lock", StringComparison.Ordinal))
        {
            return $"locked, {new FileInfo(file).Length} bytes";
        }
    }
}
