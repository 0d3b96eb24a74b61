using System.Globalization;

namespace OrtAgent.Runtime;

/// <summary>
/// What a replace of a model directory that died between its two renames leaves: the old model set aside as
/// <c>NAME.replaced-PID</c> beside the missing <c>NAME</c>, with a long NAME cut to the writers' stem
/// (<see cref="TemporaryNames"/>). The next write there puts it back or replaces it; until then a reader is told where
/// the model went.
/// </summary>
internal static class InterruptedReplace
{
    /// <summary>The previous model's directory left beside the missing <paramref name="directory"/> by a writer that is gone, or null.</summary>
    public static string? LeftoverOf(string directory)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (Path.GetDirectoryName(full) is not { } parent || !System.IO.Directory.Exists(parent)) return null;
        var prefix = TemporaryNames.PrefixOf(Path.GetFileName(full), "replaced");
        try
        {
            return System.IO.Directory.EnumerateDirectories(parent, prefix + "*")
                .Where(d => int.TryParse(Path.GetFileName(d).AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !RunningProcesses.IsWriterRunning(pid, d))
                .Order(StringComparer.Ordinal)
                .FirstOrDefault();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;   // the parent cannot be listed: nothing more to say than that the directory is missing
        }
    }
}
