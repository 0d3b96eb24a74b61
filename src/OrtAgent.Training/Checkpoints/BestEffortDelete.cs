namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Deletions whose failure costs only disk space (a finished job's artifacts, a killed process's leftovers, a lock
/// file): tried once, and a refusal (a file still open elsewhere, a permission, a folder not empty) is ignored, since
/// what matters was already recorded elsewhere.
/// </summary>
internal static class BestEffortDelete
{
    /// <summary>Deletes a file if it can; a missing one counts as deleted.</summary>
    /// <returns>False when the file could not be deleted.</returns>
    public static bool File(string path) => Try(() => System.IO.File.Delete(path));

    /// <summary>Deletes a directory if it can (only when empty unless <paramref name="recursive"/>); a missing one counts as deleted.</summary>
    /// <returns>False when the directory, or part of it, could not be deleted.</returns>
    public static bool Directory(string path, bool recursive = false) => Try(() =>
    {
        if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive);
    });

    private static bool Try(Action delete)
    {
        try
        {
            delete();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
