using System.Runtime.InteropServices;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Finds another process that has a SQLite database open, from the POSIX record (<c>fcntl</c>) locks SQLite's unix VFS
/// holds: in WAL mode every connection keeps a read lock on its <c>-shm</c> file's dead-man-switch byte, and one on the
/// database file's SHARED range, for as long as it is connected, idle or not; in rollback-journal mode only a connection
/// inside a transaction holds the database file's lock bytes.
/// </summary>
/// <remarks>
/// <para><c>F_GETLK</c> asks whether a write lock could be taken, without taking it, and names a holder that refuses it.
/// It does not see this process's own locks, and closing the descriptor it asked through drops every lock this process
/// holds on that file: ask before this process connects to the database.</para>
/// <para>Linux on x64 and arm64 only, which share <c>struct flock</c>'s layout and <c>F_GETLK</c>'s number. Elsewhere
/// nothing is found: macOS has another layout and numbers, and on its arm64 a variadic C function such as <c>fcntl</c>
/// takes its third argument on the stack, where a P/Invoke does not put it.</para>
/// </remarks>
internal static class SqliteLockProbe
{
    /// <summary>A process holding one of the database's locks; its id is unknown (null) when another PID namespace holds it.</summary>
    public readonly record struct Holder(int? ProcessId);

    // SQLite's os_unix.c: the WAL locks start at UNIX_SHM_BASE, (22 + SQLITE_SHM_NLOCK) * 4 = 120, eight bytes, followed
    // by UNIX_SHM_DMS (128), the dead-man switch every connection holds a read lock on from its open to its close.
    private const long ShmLocksStart = 120, ShmLocksLength = 9;

    // SQLite's os.h: PENDING_BYTE 0x40000000, RESERVED_BYTE after it, then SHARED_SIZE (510) bytes of SHARED_FIRST.
    private const long DatabaseLocksStart = 0x40000000, DatabaseLocksLength = 512;

    private const int GetLock = 5;   // F_GETLK
    private const short WriteLock = 1, Unlocked = 2, FromStart = 0;   // F_WRLCK, F_UNLCK, SEEK_SET

    /// <summary>
    /// A process other than this one holding a lock on <paramref name="database"/> or its <c>-shm</c> file; null when
    /// none does, when neither file can be opened for reading, or on a platform not probed (see the remarks).
    /// </summary>
    public static Holder? FindHolder(string database)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return null;
        return HolderOf(database + "-shm", ShmLocksStart, ShmLocksLength) ?? HolderOf(database, DatabaseLocksStart, DatabaseLocksLength);
    }

    private static Holder? HolderOf(string path, long start, long length)
    {
        try
        {
            // Read-only (UnixReadOnlyFile): F_GETLK asks about a write lock without needing a writable descriptor.
            using var file = Runtime.UnixReadOnlyFile.TryOpen(path);
            // No -shm (no WAL connection has the database open), or a file this user cannot read, as SQLite could not either.
            if (file is null) return null;
            var query = new LinuxFileLock { Type = WriteLock, Whence = FromStart, Start = start, Length = length };
            if (Fcntl((int)file.DangerousGetHandle(), GetLock, ref query) != 0) return null;
            // An open-file-description lock reports -1, a process in another PID namespace 0.
            return query.Type == Unlocked ? null : new Holder(query.ProcessId > 0 ? query.ProcessId : null);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary><c>struct flock</c> on Linux x64 and arm64 (glibc and musl alike): two shorts, two 64-bit offsets, a pid.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct LinuxFileLock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int ProcessId;
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int descriptor, int command, ref LinuxFileLock fileLock);
}
