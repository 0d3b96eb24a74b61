using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrtAgent.Runtime;

/// <summary>
/// What Linux's <c>statx(2)</c> says of a file and .NET does not expose: its owner, its (device, inode) identity, and
/// its status-change time, which every write, chmod and time change moves to now and no caller can set back (a copy
/// that keeps the old write time, <c>cp -p</c>, still moves it; a file renamed onto the path is another inode); and its
/// type, which tells a FIFO or a device (whose open or read waits for a writer) from a regular file. The layout of <c>struct statx</c> is the
/// same on every architecture. Elsewhere (Windows, macOS) there is none.
/// </summary>
internal readonly record struct UnixStatus(uint Uid, uint Gid, ulong Device, ulong Inode, long ChangeTimeSeconds, uint ChangeTimeNanoseconds, uint Mode)
{
    private const uint TypeBits = 0xF000;

    /// <summary>
    /// What the file is, in words, when it is neither a regular file nor a directory ("a FIFO", "a character device",
    /// "a block device", "a socket"); null for those two.
    /// </summary>
    public string? SpecialKind => (Mode & TypeBits) switch
    {
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        0x8000 or 0x4000 => null,
        _ => "not a regular file",
    };

    /// <summary>Whether the file is a directory.</summary>
    public bool IsDirectory => (Mode & TypeBits) == 0x4000;

    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>
    /// The status of <paramref name="path"/> (links followed), or null where it cannot be had (not Linux, no such file,
    /// a C library without <c>statx</c>).
    /// </summary>
    public static UnixStatus? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        try
        {
            return Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) == 0 ? Read(buffer) : null;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // Every TextClassifier.Load asks (ModelFileStamp): a musl or pre-2.28 glibc without statx, or no "libc" to
            // load, must fall back to size and write time, not fail the load.
            return null;
        }
    }

    /// <summary>The status of the open file <paramref name="handle"/>, even once unlinked, or null (as for a path).</summary>
    public static UnixStatus? Of(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Statx(handle.DangerousGetHandle().ToInt32(), "", AtEmptyPath, StatxBasicStats, buffer) != 0) return null;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;   // no statx in this C library, as for a path
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        return Read(buffer);
    }

    // struct statx: stx_uid at 20, stx_gid at 24, stx_mode (u16) at 28, stx_ino at 32, stx_ctime (tv_sec, tv_nsec) at 96,
    // stx_dev_major and _minor at 136.
    private static UnixStatus Read(byte[] statx) => new(
        BitConverter.ToUInt32(statx, 20), BitConverter.ToUInt32(statx, 24),
        ((ulong)BitConverter.ToUInt32(statx, 136) << 32) | BitConverter.ToUInt32(statx, 140), BitConverter.ToUInt64(statx, 32),
        BitConverter.ToInt64(statx, 96), BitConverter.ToUInt32(statx, 104), BitConverter.ToUInt16(statx, 28));

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
