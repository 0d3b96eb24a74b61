namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// How many bytes a store holds: every file under its directory (the database, uploads, artifacts and checkpoints,
/// trained models) but uploads being received, measured when asked rather than counted as it changes, so that what a
/// job writes, what a delete frees and what an earlier run left are all in it without each writer reporting.
/// </summary>
internal static class StoreUsage
{
    /// <summary>The bytes of every file under <paramref name="directory"/> but uploads' temporary files; a file removed while it is measured counts as nothing.</summary>
    public static long Measure(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        long total = 0;
        var files = new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            // A folder a job removes as it is walked, or one this user may not read, is skipped rather than failing the upload.
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
        });
        try
        {
            // Uploads being received are counted by what they reserved (StoreRoom), not twice.
            // The room reserve is the service's own, kept for deletes on a full disk, not what the client stored.
            foreach (var file in files)
                if (!file.Name.EndsWith(ReceivedFile.TemporaryExtension, StringComparison.Ordinal) && file.Name != FineTuningStore.RoomReserveFile)
                    total += file.Length;
        }
        catch (DirectoryNotFoundException)
        {
            // A job's folder deleted while walked: what was counted so far is what there is, near enough.
        }
        return total;
    }
}
