using System.Runtime.ExceptionServices;
using System.Text;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Artifacts;

public sealed partial class TrainingArtifacts
{
    private const int UnclaimedReadAttempts = 3;
    private static readonly TimeSpan UnclaimedReadRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Reads the run in <paramref name="directory"/> for a reader that does not hold its <see cref="ArtifactsClaim"/> (an
    /// export of a run another process is training): opens it as <see cref="Open"/> does, but changes nothing, and
    /// calls <paramref name="read"/> on it. What <paramref name="read"/> reads from the checkpoint directory
    /// (<see cref="ModelCheckpointPath"/>, <see cref="TrainerStatePath"/>), together with the <see cref="Properties"/>,
    /// comes from one checkpoint: the checkpoint's identity (its directory, and each file's size and write time) is taken
    /// before the open and compared after <paramref name="read"/> returns. A save by the run in between, or a read that
    /// found a file missing (between a save's two renames no checkpoint is in place), makes it start over, up to three
    /// times a moment apart; then it refuses, saying to try again. A save cut short that no one will finish (no session
    /// or process holds the run's claim: the run was killed between the two renames) is not waited for: what is read is
    /// <c>checkpoint.old</c>, the checkpoint <see cref="Open"/>'s recovery puts back, left where it is.
    /// </summary>
    /// <remarks>
    /// Files outside the checkpoint directory (<see cref="BestModelPath"/>, the run's records) are not covered: each is
    /// replaced whole by a rename, so read each in one go. <paramref name="read"/> may be called up to three times; it
    /// must read only, and return what it read rather than act on it.
    /// </remarks>
    /// <exception cref="UserInputException">As <see cref="Open"/>; or a save by the run kept replacing the checkpoint
    /// while it was read, and the message says to try again. What <paramref name="read"/> throws on a checkpoint that did
    /// not change is rethrown.</exception>
    public static T ReadWithoutClaim<T>(string directory, Func<TrainingArtifacts, T> read)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(read);
        for (int attempt = 1; ; attempt++)
        {
            // Asked only of a save cut short; a claim that cannot be asked about counts as held, so the read waits as before.
            bool leftCutShort = IsMidSave(directory) && ArtifactsClaim.IsClaimed(directory) == false;
            string checkpointName = leftCutShort ? RetiredCheckpointName : CheckpointDirectoryName;
            var checkpoint = Path.Combine(directory, checkpointName);
            var before = CheckpointIdentity(checkpoint);
            Exception? failure = null;
            T result = default!;
            try
            {
                result = read(OpenRun(directory, recover: false, checkpointName));
            }
            catch (Exception ex) when (ex is UserInputException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                failure = ex;
            }
            // A run that began meanwhile recovers the save cut short, and a save by a live run ends its own: either way, read again.
            bool steady = before is not Unreadable && before == CheckpointIdentity(checkpoint) && IsMidSave(directory) == leftCutShort;
            if (steady && failure is null && before is not null) return result;
            // The directory as it stands is refused (no run there, a setup cut short, a damaged file): not a save's doing.
            if (steady && failure is not null and not (FileNotFoundException or DirectoryNotFoundException))
                ExceptionDispatchInfo.Throw(failure);
            if (attempt == UnclaimedReadAttempts) throw SavingNow(directory, failure);
            Thread.Sleep(UnclaimedReadRetryDelay);
        }
    }

    /// <summary>The refusal of a reader without the claim while the run saves a checkpoint over what it reads.</summary>
    private static UserInputException SavingNow(string directory, Exception? inner = null) =>
        new($"'{directory}': the run there is saving a checkpoint; try again in a moment", inner);

    /// <summary>Stands for a checkpoint whose identity could not be taken (the directory or a file swapped out while listed): equal to no other.</summary>
    private const string Unreadable = "\0unreadable";

    /// <summary>
    /// What tells one save's <paramref name="checkpoint"/> from another's: each save writes a new directory and new files,
    /// so its directory's (device, inode) where the system gives them, and each file's name, size and write time.
    /// Null when there is no checkpoint directory.
    /// </summary>
    private static string? CheckpointIdentity(string checkpoint)
    {
        try
        {
            var directory = new DirectoryInfo(checkpoint);
            if (!directory.Exists) return null;
            var identity = new StringBuilder();
            if (UnixFileStatus.Get(checkpoint) is { } status) identity.Append(status.Device).Append(':').Append(status.Inode);
            foreach (var file in directory.EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
                identity.Append('/').Append(file.Name).Append(':').Append(file.Length).Append(':').Append(file.LastWriteTimeUtc.Ticks);
            return identity.ToString();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Unreadable;
        }
    }
}
