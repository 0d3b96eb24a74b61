using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// The owner and identity of a file on Linux, which .NET does not expose: <c>statx(2)</c> (read by the Runtime's
/// <see cref="UnixStatus"/>, which stamps a loaded model with it too) and <c>chown(2)</c>. Elsewhere the methods report
/// nothing and change nothing.
/// </summary>
internal static class UnixFileStatus
{
    /// <summary>The owner, group and (device, inode) identity of <paramref name="path"/> (links followed), or null.</summary>
    public static (uint Uid, uint Gid, ulong Device, ulong Inode)? Get(string path) =>
        UnixStatus.Of(path) is { } status ? (status.Uid, status.Gid, status.Device, status.Inode) : null;

    /// <summary>The (device, inode) identity of the open file <paramref name="handle"/>, even once unlinked, or null.</summary>
    public static (ulong Device, ulong Inode)? Identity(SafeFileHandle handle) =>
        UnixStatus.Of(handle) is { } status ? (status.Device, status.Inode) : null;

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

    /// <summary>The effective user id of this process, which owns the files it creates, or null off Linux.</summary>
    public static uint? EffectiveUserId() => OperatingSystem.IsLinux() ? GetEffectiveUserId() : null;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);
}
