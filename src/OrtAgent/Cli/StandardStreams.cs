using System.Runtime.InteropServices;

namespace OrtAgent.Cli;

/// <summary>
/// Which standard streams the process was started without (<c>&lt;&amp;-</c>, <c>&gt;&amp;-</c>, <c>2&gt;&amp;-</c>), as
/// they were when <see cref="AtStart"/> was first read (the first thing Main does). By then the runtime has opened
/// descriptors of its own, each taking the lowest free number, so a stream closed at start is one of the runtime's
/// pipes: reading it waited for ever (<c>mcp</c> never saw its input end), writing it failed with EBADF, or, where the
/// number fell to the pipe's write end, wrote into the runtime's pipe. A descriptor inherited across exec is never
/// close-on-exec (exec closes those), while the runtime opens all of its own so: a standard descriptor that is
/// close-on-exec, or not open at all, is one the process was started without. Never closed on Windows.
/// </summary>
internal sealed record StandardStreams(bool InputClosed, bool OutputClosed, bool ErrorClosed)
{
    private const int GetDescriptorFlags = 1;   // F_GETFD, on Linux and macOS
    private const int CloseOnExec = 1;          // FD_CLOEXEC, on Linux and macOS

    /// <summary>The streams as the process was started with them.</summary>
    public static StandardStreams AtStart { get; } = OperatingSystem.IsWindows()
        ? new(false, false, false)
        : new(ClosedAtStart(0), ClosedAtStart(1), ClosedAtStart(2));

    private static bool ClosedAtStart(int descriptor)
    {
        int flags = fcntl(descriptor, GetDescriptorFlags);
        return flags == -1 || (flags & CloseOnExec) != 0;
    }

    [DllImport("libc")]
    private static extern int fcntl(int descriptor, int command);
}
