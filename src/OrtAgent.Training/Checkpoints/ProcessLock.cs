using System.Collections.Concurrent;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// One process's exclusive claim on something it writes over a long time (a training run's artifacts, a fine-tuning
/// service's store), held as an operating-system lock on a lock file for as long as this object lives. Two runs writing
/// the same checkpoints would each export weights the other trained; the second is refused instead.
/// </summary>
/// <remarks>
/// <para>The OS drops the lock when its process ends, <c>kill -9</c> and power loss included, so a claim never goes
/// stale and no lock needs clearing by hand. On Unix the lock is <c>flock</c>, advisory: it binds OrtAgent processes
/// (and separate opens within one process) only.</para>
/// <para>On Linux the lock file is deleted when the claim ends, so a run leaves none behind. That is safe because a
/// claim counts only when the path still names the file that was locked: a process that opened the file just before
/// it was deleted, and locked it after, finds the path gone or another file there, and tries again. A killed holder's
/// file stays, empty, until the next claim ends.</para>
/// <para>A claim belongs to whoever acquired it (<see cref="Acquire(string, string)"/>, <see cref="AcquireWaiting(string, TimeSpan, string, CancellationToken)"/>): dispose it to
/// release the lock; disposing it again does nothing. A claim never disposed is released when its process ends.</para>
/// </remarks>
public sealed class ProcessLock : IDisposable
{
    // What .NET puts in HResult when another open holds the lock: Windows' sharing violation; on Unix, flock's errno,
    // EWOULDBLOCK (11 on Linux, 35 on macOS).
    private const int SharingViolation = unchecked((int)0x80070020);
    private const int Attempts = 20;
    private const int BusyRetries = 5;
    private static readonly TimeSpan BusyRetryWait = TimeSpan.FromMilliseconds(20);
    private static readonly int WouldBlock = OperatingSystem.IsLinux() ? 11 : 35;

    // Every claim this process holds, for DeleteFilesOfHeldLocks.
    private static readonly ConcurrentDictionary<ProcessLock, bool> Held = new();

    private readonly FileStream _file;
    private readonly string? _createdDirectory;

    // Held around the check that the path still names the locked file and the delete that trusts it, in both
    // DeleteFilesOfHeldLocks (a Ctrl+C handler's thread) and Dispose (the claimant's): without it the handler could
    // check, Dispose delete and close, another process create and lock a new file at the path, and the handler
    // delete that one, so a third process would find no lock and claim what the second is writing.
    private readonly object _release = new();
    private bool _released;

    private ProcessLock(FileStream file, string? createdDirectory)
    {
        _file = file;
        _createdDirectory = createdDirectory;
        Held[this] = true;
    }

    /// <summary>The lock file.</summary>
    public string Path => _file.Name;

    /// <summary>
    /// The lock file for claiming <paramref name="directory"/> as a whole: <c>.NAME.lock</c> beside it, since such a
    /// directory is replaced by a rename and a lock file inside would go with it. A NAME too long to take the
    /// decoration is cut short and ends in its hash (<see cref="FileNameLimit"/>), the same for every process.
    /// </summary>
    public static string FileBeside(string directory)
    {
        var full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(directory));
        var stem = FileNameLimit.Stem(System.IO.Path.GetFileName(full), ".".Length + LockSuffix.Length);
        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{stem}{LockSuffix}");
    }

    private const string LockSuffix = ".lock";

    /// <summary>Takes the lock on <paramref name="lockFile"/>, creating it (and its directory) when missing.</summary>
    /// <param name="lockFile">The lock file; its content is not used.</param>
    /// <param name="heldElsewhere">The whole message for a lock another open holds, naming what is busy and what to do.</param>
    /// <returns>The claim, the caller's to dispose.</returns>
    /// <exception cref="UserInputException">The lock is held elsewhere, or the lock file cannot be created.</exception>
    public static ProcessLock Acquire(string lockFile, string heldElsewhere) => Acquire(lockFile, heldElsewhere, claimed: null);

    /// <summary>As <see cref="Acquire(string, string)"/>, naming what the lock claims in the refusal of a lock file that cannot be created.</summary>
    /// <param name="lockFile">The lock file; its content is not used.</param>
    /// <param name="heldElsewhere">The whole message for a lock another open holds, naming what is busy and what to do.</param>
    /// <param name="claimed">What the lock claims, as the user named it (<c>--resume DIR</c>): a lock file that cannot be
    /// created is refused under that name (<see cref="CannotCreate"/>); null names only the lock file.</param>
    internal static ProcessLock Acquire(string lockFile, string heldElsewhere, string? claimed) =>
        TryAcquire(lockFile, claimed: claimed) ?? throw new UserInputException(heldElsewhere);

    /// <summary>
    /// As <see cref="Acquire(string, string)"/>, but waits up to <paramref name="wait"/> for another holder to finish, for short critical
    /// sections whose outcome depends on what the previous holder did (a promotion compares with the model it finds).
    /// </summary>
    /// <returns>The claim, the caller's to dispose.</returns>
    /// <exception cref="UserInputException">The lock is still held elsewhere after the wait, or the lock file cannot be created.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    public static ProcessLock AcquireWaiting(string lockFile, TimeSpan wait, string heldElsewhere, CancellationToken cancellationToken = default) =>
        AcquireWaiting(lockFile, wait, heldElsewhere, cancellationToken, claimed: null);

    /// <summary>As <see cref="AcquireWaiting(string, TimeSpan, string, CancellationToken)"/>, naming what the lock claims
    /// (<see cref="Acquire(string, string, string?)"/>).</summary>
    internal static ProcessLock AcquireWaiting(string lockFile, TimeSpan wait, string heldElsewhere, CancellationToken cancellationToken, string? claimed)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            // Its own rounds outlast a probe's moment, so the busy retries would only double its waits.
            if (TryAcquire(lockFile, busyRetries: 0, claimed: claimed) is { } taken) return taken;
            if (DateTime.UtcNow >= deadline) throw new UserInputException(heldElsewhere);
            // Ctrl+C must not wait for another process to finish its work.
            if (cancellationToken.WaitHandle.WaitOne(100)) cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// The lock, or null while another open holds it; with <paramref name="orNoneWhenUnwritable"/>, null too when the lock
    /// file cannot be created, for a reader that goes on without the lock (one that may only read the directory).
    /// </summary>
    /// <param name="lockFile">The lock file, created when missing.</param>
    /// <param name="orNoneWhenUnwritable">Whether a lock file that cannot be created gives null rather than an exception.</param>
    /// <param name="busyRetries">How many times a lock found held is asked for again before it counts as held (<see cref="OpenLocked"/>).</param>
    /// <param name="claimed">What the lock claims, as the user named it, for <see cref="CannotCreate"/>; null names only the lock file.</param>
    /// <exception cref="UserInputException">The lock file cannot be created (unless <paramref name="orNoneWhenUnwritable"/>).</exception>
    internal static ProcessLock? TryAcquire(string lockFile, bool orNoneWhenUnwritable = false, int busyRetries = BusyRetries, string? claimed = null)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(lockFile))!;
        for (int attempt = 1; attempt <= Attempts; attempt++)
        {
            string? created = Directory.Exists(directory) ? null : directory;
            FileStream? file = null;
            try
            {
                Directory.CreateDirectory(directory);
                file = OpenLocked(lockFile, busyRetries);
                if (file is null) return null;
                if (StillNamedBy(file, lockFile)) return new ProcessLock(file, created);
            }
            catch (DirectoryNotFoundException) when (attempt < Attempts)
            {
                // The previous holder removed the directory it had created between our two steps.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (orNoneWhenUnwritable)
                {
                    file?.Dispose();
                    return null;
                }
                throw CannotCreate(lockFile, claimed, ex);
            }
            file?.Dispose();
        }
        // The path kept naming another file than the one locked: another process is taking and releasing it.
        return null;
    }

    /// <summary>
    /// The refusal of a lock file that cannot be created (a read-only folder, a file in the way), named after what it
    /// claims: the user typed <c>--resume DIR</c>, not <c>.DIR.lock</c> beside it, and a line naming only that file left
    /// them to guess which option's folder it was.
    /// </summary>
    internal static UserInputException CannotCreate(string lockFile, string? claimed, Exception ex)
    {
        // A file where a folder should be says "already exists" or "not a directory" of a path the user never typed; a
        // directory at the path says "access denied" on Linux; a read-only mount repeats the path the line already names
        // ("Read-only file system : '…'").
        var fileInTheWay = FileOnPath.Above(lockFile);
        string? known = fileInTheWay is not null ? $"'{fileInTheWay}' is a file, not a directory"
            : Directory.Exists(lockFile) ? $"'{lockFile}' is a directory"
            : ex is IOException { HResult: ReadOnlyFileSystemErrno } ? "read-only file system"
            : null;
        if (claimed is null)
            return new UserInputException($"{lockFile}: cannot create the lock file: " + (known ?? ex.Message), ex);
        string reason = known ?? (ex is UnauthorizedAccessException ? "permission denied" : ex.Message.TrimEnd('.'));
        return new UserInputException($"{claimed}: cannot create its lock file '{lockFile}' ({reason})", ex);
    }

    /// <summary>EROFS, which .NET on Linux and macOS puts in the <see cref="Exception.HResult"/> of the <see cref="IOException"/> it raises.</summary>
    private const int ReadOnlyFileSystemErrno = 30;

    /// <summary>
    /// Opens <paramref name="lockFile"/> locked, or returns null while another open holds a lock on it. A lock found
    /// held is asked for again a few times (<paramref name="busyRetries"/>, <see cref="BusyRetryWait"/> apart) before it
    /// counts as held: <see cref="IsHeld"/> takes a shared lock for the moment of its asking, and a claim that met it
    /// (an export probing a run while <c>train --resume</c> starts there) was refused as if another session trained there.
    /// A holder's lock lasts its whole run, so only the refusal waits, by at most <paramref name="busyRetries"/> times the wait.
    /// The probe cannot ask without a lock: <c>fcntl</c>'s <c>F_GETLK</c> and <c>F_OFD_GETLK</c> see only <c>fcntl</c>
    /// locks, which on Linux are apart from <c>flock</c>'s, the kind .NET takes for <see cref="FileShare.None"/>.
    /// </summary>
    private static FileStream? OpenLocked(string lockFile, int busyRetries)
    {
        for (int retry = 0; ; retry++)
        {
            try
            {
                return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            }
            catch (IOException ex) when (HeldElsewhere(ex) && retry < busyRetries)
            {
                Thread.Sleep(BusyRetryWait);
            }
            catch (IOException ex) when (HeldElsewhere(ex))
            {
                return null;
            }
        }
    }

    private static bool HeldElsewhere(IOException ex) =>
        ex.HResult == SharingViolation || (!OperatingSystem.IsWindows() && ex.HResult == WouldBlock);

    /// <summary>
    /// Whether an open, in this process or another, holds the lock on <paramref name="lockFile"/> now; asked by a reader
    /// that may not write there, so it takes no lock for longer than the asking (a claim asked for meanwhile asks again,
    /// <see cref="OpenLocked"/>). No file means no holder: a holder keeps
    /// its file at the path (a killed one's stays too, unlocked). Null when the file is there but cannot be opened to ask.
    /// </summary>
    internal static bool? IsHeld(string lockFile)
    {
        try
        {
            // Shared with other opens, the probe asks flock for a shared lock, which a read-only open may take and a
            // holder's exclusive lock refuses; two probes do not refuse each other.
            using var probe = new FileStream(lockFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            return false;
        }
        catch (IOException ex) when (HeldElsewhere(ex))
        {
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>True unless the file was deleted, or replaced, between being opened and being locked.</summary>
    private static bool StillNamedBy(FileStream file, string path) =>
        UnixFileStatus.Identity(file.SafeFileHandle) is not { } locked
        || (UnixFileStatus.Get(path) is { } named && named.Device == locked.Device && named.Inode == locked.Inode);

    /// <summary>
    /// Deletes the lock files of every claim this process holds, keeping the locks, for a process the runtime ends next
    /// (a second Ctrl+C), which cannot dispose its claims: their files stayed for the next run to find. As in
    /// <see cref="Dispose"/>, deleting a file still locked is safe on Linux (see the remarks), and only there is it done.
    /// A file the path no longer names is left alone; a directory made for a lock file goes too, when empty.
    /// </summary>
    public static void DeleteFilesOfHeldLocks()
    {
        if (!OperatingSystem.IsLinux()) return;
        foreach (var claim in Held.Keys)
        {
            lock (claim._release)
            {
                // Released meanwhile, which deleted its file; the path may name another process's by now.
                if (claim._released || !StillNamedBy(claim._file, claim.Path)) continue;
                BestEffortDelete.File(claim.Path);
                if (claim._createdDirectory is not null) BestEffortDelete.Directory(claim._createdDirectory);   // refused unless empty
            }
        }
    }

    /// <summary>Releases the lock, deleting the lock file (and a directory made for it, when empty) on Linux.</summary>
    public void Dispose()
    {
        Held.TryRemove(this, out _);
        lock (_release)
        {
            if (_released) return;
            _released = true;
            if (OperatingSystem.IsLinux())
            {
                // Deleted while still locked: whoever opens the path next gets a new file (see the remarks).
                BestEffortDelete.File(_file.Name);
            }
            _file.Dispose();
        }
        if (OperatingSystem.IsLinux() && _createdDirectory is not null)
        {
            BestEffortDelete.Directory(_createdDirectory);   // refused unless empty
        }
    }
}
