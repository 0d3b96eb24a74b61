using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrtAgent.Runtime;

/// <summary>
/// A file opened read-only through the C library on Linux (<c>O_RDONLY | O_CLOEXEC</c>): .NET's own open takes a shared
/// <c>flock</c> on a file opened for reading, which a .NET writer asking for the file alone is refused by, and which NFS
/// turns into a lock on the whole file.
/// </summary>
internal static class UnixReadOnlyFile
{
    private const int ReadOnlyCloseOnExec = 0x80000;   // O_RDONLY | O_CLOEXEC on Linux

    /// <summary>The open file, or null where it cannot be opened (the C library's errno in <see cref="Marshal.GetLastPInvokeError"/>).</summary>
    /// <exception cref="EntryPointNotFoundException">The process has no C library <c>open</c> (not Linux).</exception>
    /// <exception cref="DllNotFoundException">The process has no C library.</exception>
    public static SafeFileHandle? TryOpen(string path)
    {
        int descriptor = Open(path, ReadOnlyCloseOnExec);
        return descriptor < 0 ? null : new SafeFileHandle(descriptor, ownsHandle: true);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
