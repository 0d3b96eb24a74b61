using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Artifacts;

// Whether a run can write its artifacts where they are: it writes in the directory in place, so the check of its parent
// that a new directory needs is not enough.
public sealed partial class TrainingArtifacts
{
    // The folders a resumed run writes in, besides the directory itself: a checkpoint save deletes the checkpoint it
    // replaces, file by file (and recovery a save's leftovers), and the best model is renamed into best/.
    private static readonly string[] FoldersWrittenIn = [CheckpointDirectoryName, CheckpointDirectoryName + ".next", RetiredCheckpointName, "best"];

    // The folders of an earlier run that a new run in its directory deletes whole (RemovePreviousRun), before it writes its own.
    private static readonly string[] PreviousRunFolders = ["best", CheckpointDirectoryName, CheckpointDirectoryName + ".next", RetiredCheckpointName, DerivedEncoderDirectoryName];

    /// <summary>
    /// Refuses to resume the run in <paramref name="directory"/> unless it can write everything a resumed run writes
    /// there, checked under the run's claim before it writes anything: the directory (the recovery of a save cut short,
    /// the records of its output and data, a missing <c>vocab.txt</c> copy, the metrics log and chart, the model card,
    /// each written whole and renamed into place) and the checkpoint folders and <c>best/</c>. Each of these failed only
    /// when it came, an internal error, and a checkpoint folder's once steps were trained. First, the write probes a
    /// killed process left there go (<see cref="WriteProbe"/>): one in the checkpoint folder refused the first save.
    /// </summary>
    /// <param name="directory">The artifacts directory of the run to resume.</param>
    /// <param name="what">How the message names the run (<c>--resume DIR</c>).</param>
    /// <exception cref="UserInputException">A folder cannot be written: <c>{what}: cannot write in '…' (reason)</c>, for the caller to end with its remedy.</exception>
    internal static void RequireWritableToResume(string directory, string what) =>
        RequireWritable(FoldersWrittenIn.Select(name => Path.Combine(directory, name)).Prepend(directory), what);

    /// <summary>
    /// Refuses to set up a new run in <paramref name="directory"/>, which holds an earlier run's artifacts, unless it can
    /// replace them: the directory, whose files it overwrites, and every folder of the earlier run that it deletes (its
    /// checkpoints, <c>best/</c>, a derived encoder), down to the last folder inside them, since a folder is deleted file
    /// by file. A read-only <c>checkpoint/</c> failed once the new run's graphs were built, an internal error, with the
    /// earlier run's <c>best/</c> gone and its directory left marked as being set up, so it could no longer be resumed.
    /// Call it under the run's claim, before anything is built (the probes it leaves for an instant would be files a run
    /// still saving there did not write); the dead probes there go first, as <see cref="RequireWritableToResume"/>'s do.
    /// </summary>
    /// <param name="directory">The artifacts directory of the new run; nothing is checked while it does not exist.</param>
    /// <param name="what">How the message names the directory.</param>
    /// <exception cref="UserInputException">A folder cannot be written: <c>{what}: cannot write in '…' (reason)</c>, for the caller to end with its remedy.</exception>
    internal static void RequireWritableToReplace(string directory, string what) =>
        RequireWritable(PreviousRunFolders.Select(name => Path.Combine(directory, name)).Where(System.IO.Directory.Exists)
            .SelectMany(folder => System.IO.Directory.EnumerateDirectories(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Prepend(folder))
            .Prepend(directory), what);

    private static void RequireWritable(IEnumerable<string> folders, string what)
    {
        foreach (var folder in folders.Where(System.IO.Directory.Exists))
        {
            WriteProbe.SweepLeftoversIn(folder);
            DestinationGuard.EnsureCanCreateFilesIn(folder, what);
            RefuseOtherUsersFilesInASticky(folder, what);
        }
    }

    /// <summary>
    /// In a folder with the sticky bit (<c>chmod +t</c>, as <c>/tmp</c> has), only a file's owner, the folder's or root
    /// may rename a file over it or delete it: a run there creates files (the probe passes) but cannot replace another
    /// user's, and every file a run keeps there is replaced by a rename or deleted. A read-only file in a folder that
    /// can be written is no such case: the rename replaces it, whoever owns it.
    /// </summary>
    private static void RefuseOtherUsersFilesInASticky(string folder, string what)
    {
        if (OperatingSystem.IsWindows() || !File.GetUnixFileMode(folder).HasFlag(UnixFileMode.StickyBit)) return;
        if (UnixFileStatus.EffectiveUserId() is not uint user || user == 0 || UnixFileStatus.Get(folder)?.Uid == user) return;
        var others = System.IO.Directory.EnumerateFileSystemEntries(folder)
            .Where(entry => UnixFileStatus.Get(entry) is { } status && status.Uid != user)
            .Select(entry => Path.GetFileName(entry)).ToList();
        if (others.Count > 0)
            throw new UserInputException(new ValueRefusal(what,
                $"cannot write in '{Path.GetFullPath(folder)}' (it is sticky, and holds files of another user that only their owner may replace: {DestinationGuard.Describe(others)})"));
    }
}
