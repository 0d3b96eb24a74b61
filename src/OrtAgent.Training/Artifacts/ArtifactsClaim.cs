using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// One process's exclusive claim on an artifacts directory: a training run's, from the first write until the run ends,
/// or an export's while it reads a run no one else holds (<see cref="TryAcquire"/>). Two runs in one directory would
/// each checkpoint over the other and export weights the other trained, so the second is refused: a second
/// <see cref="Trainer.TrainingSession"/> in this process, or a run of another process (the <c>ortagent</c> command line
/// claims the same lock); a run is refused while an export holds the claim too, as it is while another run does.
/// </summary>
/// <remarks>
/// The claim is a <see cref="ProcessLock"/> on <see cref="ProcessLock.FileBeside"/> the directory, so the operating system
/// drops it when its process ends, however it ends. Dispose the claim to release it; disposing it again does nothing.
/// </remarks>
public sealed class ArtifactsClaim : IDisposable
{
    private readonly ProcessLock _lock;
    private bool _released;

    private ArtifactsClaim(string directory, ProcessLock processLock)
    {
        Directory = directory;
        _lock = processLock;
    }

    /// <summary>The claimed directory, as a full path.</summary>
    public string Directory { get; }

    /// <summary>Whether the claim is still held (it has not been disposed).</summary>
    public bool IsHeld => !_released;

    /// <summary>Claims <paramref name="artifactsDirectory"/>, which need not exist yet.</summary>
    /// <param name="artifactsDirectory">The artifacts directory.</param>
    /// <exception cref="UserInputException">Another session or process holds the directory (the message names it), or the lock file cannot be created.</exception>
    public static ArtifactsClaim Acquire(string artifactsDirectory) => Acquire(artifactsDirectory, heldElsewhere: null);

    /// <summary>As <see cref="Acquire(string)"/>, with the caller's words for a directory another run holds.</summary>
    /// <param name="artifactsDirectory">The artifacts directory.</param>
    /// <param name="heldElsewhere">The whole message when another run holds it; null for the library's own, which names the directory.</param>
    /// <exception cref="UserInputException">Another session or process holds the directory, or the lock file cannot be created.</exception>
    public static ArtifactsClaim Acquire(string artifactsDirectory, string? heldElsewhere) => Acquire(artifactsDirectory, heldElsewhere, claimed: null);

    /// <summary>As <see cref="Acquire(string, string?)"/>, naming the directory as the caller's user did.</summary>
    /// <param name="artifactsDirectory">The artifacts directory.</param>
    /// <param name="heldElsewhere">The whole message when another run holds it; null for the library's own, which names the directory.</param>
    /// <param name="claimed">The directory as the caller's user named it (<c>--resume DIR</c>), for a lock file that cannot
    /// be created; null for <c>artifacts directory DIR</c>.</param>
    internal static ArtifactsClaim Acquire(string artifactsDirectory, string? heldElsewhere, string? claimed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactsDirectory);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(artifactsDirectory));
        var processLock = ProcessLock.Acquire(ProcessLock.FileBeside(full), heldElsewhere
            ?? $"artifacts directory {full}: another training session is using it (or an export is reading the run), in this process or another; " +
               "wait for it to end (or dispose that session), or train in another artifacts directory",
            claimed ?? $"artifacts directory {full}");
        return new ArtifactsClaim(full, processLock);
    }

    /// <summary>
    /// Claims <paramref name="artifactsDirectory"/> when no other run holds it, for a reader of the run (an export) that
    /// goes on either way: with the claim it may repair what the run left (<see cref="TrainingArtifacts.Open"/>), and no
    /// run starts there while it reads; without it, it must change nothing, and reads while the run holding the claim
    /// may save (<see cref="TrainingArtifacts.ReadWithoutClaim{T}"/>).
    /// </summary>
    /// <param name="artifactsDirectory">The artifacts directory, which exists.</param>
    /// <returns>The claim; null when another session or process holds it, or when this process cannot create the lock
    /// file (a directory it may only read).</returns>
    public static ArtifactsClaim? TryAcquire(string artifactsDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactsDirectory);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(artifactsDirectory));
        return ProcessLock.TryAcquire(ProcessLock.FileBeside(full), orNoneWhenUnwritable: true) is { } processLock ? new ArtifactsClaim(full, processLock) : null;
    }

    /// <summary>
    /// Whether a session or process holds the claim on <paramref name="artifactsDirectory"/> now, asked without taking it
    /// (<see cref="ProcessLock.IsHeld"/>): a reader that could not take the claim tells a run still training there from
    /// none. Null when the lock file cannot be read to ask.
    /// </summary>
    internal static bool? IsClaimed(string artifactsDirectory) => ProcessLock.IsHeld(ProcessLock.FileBeside(artifactsDirectory));

    /// <summary>Whether this claim is held and covers <paramref name="artifactsDirectory"/> (the same lock file, however the path is spelled).</summary>
    internal bool Covers(string artifactsDirectory) =>
        IsHeld && string.Equals(ProcessLock.FileBeside(artifactsDirectory), _lock.Path, StringComparison.Ordinal);

    /// <summary>Releases the claim, removing its lock file on Linux. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        _lock.Dispose();
    }
}
