namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Puts a completely written directory in place of another by renames on the same volume (on Linux one exchange), so
/// readers see the old directory or the new one, never a mixture: checkpoints, exported models, promoted models and pulled base models.
/// Only a directory <see cref="DestinationGuard"/> allows is ever replaced, and every directory put in place carries a
/// <see cref="WrittenFilesManifest"/> of the files OrtAgent wrote into it.
/// </summary>
internal static class AtomicDirectory
{
    /// <summary>
    /// Puts <paramref name="staging"/> at <paramref name="target"/> and deletes what was there. On Linux an existing
    /// <paramref name="target"/> is exchanged with <paramref name="staging"/> in one step (<c>renameat2</c>), so it is
    /// never missing; elsewhere, or where the file system cannot exchange, <paramref name="target"/> is moved to
    /// <paramref name="retired"/> and <paramref name="staging"/> to <paramref name="target"/>. <paramref name="retired"/>
    /// defaults to a <see cref="TemporarySiblings"/> name, so a later run restores or removes it after a crash between
    /// the renames; a caller that can recover from a crash between the two renames names it. The new directory keeps the old one's
    /// permissions and (where the process may set it) owner, so a service account's model directory stays its own.
    /// </summary>
    /// <param name="staging">The completely written new directory, a sibling of <paramref name="target"/>.</param>
    /// <param name="target">The directory to replace or create.</param>
    /// <param name="layout">The kind of OrtAgent directory expected at <paramref name="target"/>, to recognise one written
    /// before manifests existed.</param>
    /// <param name="retired">Where the old directory waits between the two renames (not used by the exchange).</param>
    /// <exception cref="UserInputException"><paramref name="target"/> may not be replaced (see <see cref="DestinationGuard"/>),
    /// or the system refused to move it (a mount point); nothing was moved.</exception>
    public static void Replace(string staging, string target, DirectoryLayout layout, string? retired = null)
    {
        TemporarySiblings.Sweep(target);
        DestinationGuard.EnsureReplaceable(target, layout);
        // A name handed out here is released here, once the old directory is gone; a caller's is the caller's to release.
        bool retiredHere = retired is null;
        retired ??= TemporarySiblings.For(target, "replaced");
        WrittenFilesManifest.Write(staging);
        if (Directory.Exists(target))
        {
            KeepModeAndOwner(target, staging);
            MarkWrittenNow(target);
            if (DirectoryExchange.TrySwap(staging, target))
            {
                // The old directory is now at the staging name until it is deleted: if this process dies here, a later
                // run's sweep removes a temporary sibling, and the run's next opening (TrainingArtifacts.Open) its checkpoint.next.
                CrashPoint.Reach(CrashPoint.BetweenRenames);
                Directory.Delete(staging, recursive: true);
                // A retired directory left by an older save cut short between two renames is no longer needed.
                if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
                if (retiredHere) TemporarySiblings.Release(retired);
                return;
            }
        }
        if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
        if (Directory.Exists(target)) MoveAside(target, retired);
        CrashPoint.Reach(CrashPoint.BetweenRenames);
        Directory.Move(staging, target);
        if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
        if (retiredHere) TemporarySiblings.Release(retired);
    }

    /// <summary>
    /// Moves the old directory out of the way. Where <see cref="DestinationGuard"/> could not tell a mount point up front
    /// (the mount table is Linux's), the kernel refuses here, and its error names no path.
    /// </summary>
    private static void MoveAside(string target, string retired)
    {
        try
        {
            Directory.Move(target, retired);
        }
        catch (IOException ex) when (MountPoint.IsBusy(ex))
        {
            throw new UserInputException($"{target}: cannot be moved aside to be replaced ({ex.Message}); a mount point cannot be: give a folder inside it", ex);
        }
    }

    /// <summary>
    /// The old directory is about to wait under a name with this process's id (the retired name, or the staging name
    /// after the exchange), and other processes judge whether that id is still its writer's by when the directory was
    /// last written (<see cref="OrtAgent.Runtime.RunningProcesses.IsWriterRunning"/>): a move keeps the old time, which
    /// may be older than this process, so the directory is marked written now.
    /// </summary>
    private static void MarkWrittenNow(string target)
    {
        try
        {
            Directory.SetLastWriteTimeUtc(target, DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only the owner may set a time: another writer's old directory keeps its time, and a process that started
            // since may take it for a dead writer's leftover for the moment it waits there.
        }
    }

    private static void KeepModeAndOwner(string target, string staging)
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(staging, File.GetUnixFileMode(target));
        UnixFileStatus.CopyOwner(target, staging);
        foreach (var file in Directory.EnumerateFileSystemEntries(staging, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            UnixFileStatus.CopyOwner(target, file);
    }
}
