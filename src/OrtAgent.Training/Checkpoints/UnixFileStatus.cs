using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// The owner and identity of a file on Linux, which .NET does not expose: <c>statx(2)</c>, whose layout is the same on
/// every architecture, and <c>chown(2)</c>. Elsewhere the methods report nothing and change nothing.
/// </summary>
public static class UnixFileStatus
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>The owner, group and (device, inode) identity of <paramref name="path"/> (links followed), or null.</summary>
    public static (uint Uid, uint Gid, ulong Device, ulong Inode)? Get(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0) return null;
        uint uid = BitConverter.ToUInt32(buffer, 20), gid = BitConverter.ToUInt32(buffer, 24);
        ulong inode = BitConverter.ToUInt64(buffer, 32);
        return (uid, gid, DeviceOf(buffer), inode);
    }

    /// <summary>The (device, inode) identity of the open file <paramref name="handle"/>, even once unlinked, or null.</summary>
    public static (ulong Device, ulong Inode)? Identity(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Statx(handle.DangerousGetHandle().ToInt32(), "", AtEmptyPath, StatxBasicStats, buffer) != 0) return null;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        return (DeviceOf(buffer), BitConverter.ToUInt64(buffer, 32));
    }

    /// <summary>True when both paths exist and name the same file or directory (through links and bind mounts too).</summary>
    public static bool SameFile(string a, string b)
    {
        if (Get(a) is { } x && Get(b) is { } y) return x.Device == y.Device && x.Inode == y.Inode;
        return string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
    }

    /// <summary>
    /// Gives <paramref name="path"/> the owner and group of <paramref name="model"/>. Only root may give files away, so
    /// for anyone else a failure is expected (their files are theirs already) and ignored.
    /// </summary>
    public static void CopyOwner(string model, string path)
    {
        if (Get(model) is not { } owner || Get(path) is not { } current) return;
        if (owner.Uid != current.Uid || owner.Gid != current.Gid) _ = Chown(path, owner.Uid, owner.Gid);
    }

    private static ulong DeviceOf(byte[] statx) =>
        ((ulong)BitConverter.ToUInt32(statx, 136) << 32) | BitConverter.ToUInt32(statx, 140);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);
}
