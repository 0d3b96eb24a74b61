using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Artifacts;

// Whether a resumed run can write its artifacts where they are: it writes in the directory in place, so the check of
// its parent that a new directory needs is not enough.
public sealed partial class TrainingArtifacts
{
    // The folders a run writes in, besides the directory itself: a checkpoint save deletes the checkpoint it replaces,
    // file by file (and recovery a save's leftovers), and the best model is renamed into best/.
    private static readonly string[] FoldersWrittenIn = [CheckpointDirectoryName, CheckpointDirectoryName + ".next", RetiredCheckpointName, "best"];

    /// <summary>
    /// Refuses to resume the run in <paramref name="directory"/> unless it can write everything a resumed run writes
    /// there, checked under the run's claim before it writes anything: the directory (the recovery of a save cut short,
    /// the records of its output and data, a missing <c>vocab.txt</c> copy, the metrics log and chart, the model card,
    /// each written whole and renamed into place) and the checkpoint folders and <c>best/</c>. Each of these failed only
    /// when it came, an internal error, and a checkpoint folder's once steps were trained.
    /// </summary>
    /// <param name="directory">The artifacts directory of the run to resume.</param>
    /// <param name="what">How the message names the run (<c>--resume DIR</c>).</param>
    /// <exception cref="UserInputException">A folder cannot be written: <c>{what}: cannot write in '…' (reason)</c>, for the caller to end with its remedy.</exception>
    internal static void RequireWritableToResume(string directory, string what)
    {
        foreach (var folder in FoldersWrittenIn.Select(name => Path.Combine(directory, name)).Prepend(directory).Where(System.IO.Directory.Exists))
            DestinationGuard.EnsureCanCreateFilesIn(folder, what);
    }
}
