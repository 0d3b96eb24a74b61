namespace OrtAgent.Runtime;

/// <summary>
/// One file's size and last write time, and on Linux its (device, inode) identity and status-change time
/// (<see cref="UnixStatus"/>), read without opening it (a FIFO in a file's place would hold an open).
/// </summary>
internal readonly record struct FileStamp(long Length, DateTime LastWriteUtc, UnixStatus? Status)
{
    /// <summary>The stamp of <paramref name="path"/>, or null when there is no file there.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static FileStamp? Of(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? new FileStamp(file.Length, file.LastWriteTimeUtc, UnixStatus.Of(path)) : null;
    }

    /// <summary>
    /// Whether <paramref name="other"/> is this file with at most its status changed: the same size, write time and inode,
    /// whatever the status-change time, which a chmod, a chown or a hard link moves as a write does.
    /// </summary>
    public bool IsSameFileAs(FileStamp other) =>
        Length == other.Length && LastWriteUtc == other.LastWriteUtc && (Status, other.Status) switch
        {
            (null, null) => true,
            ({ } mine, { } theirs) => mine.Device == theirs.Device && mine.Inode == theirs.Inode,
            _ => false,
        };
}
