using System.Runtime.InteropServices;

namespace OrtAgent.FineTuningBench;

/// <summary>
/// CPU time of this process's reaped children, from <c>getrusage(RUSAGE_CHILDREN)</c>: the difference across one
/// child's run is that child's user + system time, which its <see cref="System.Diagnostics.Process"/> can no longer
/// report once it has exited.
/// </summary>
internal static partial class ChildCpu
{
    private const int RusageChildren = -1;

    /// <summary>User + system seconds of every child reaped so far.</summary>
    public static double ReapedSeconds()
    {
        if (GetRusage(RusageChildren, out var usage) != 0) throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        return usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    /// <summary>Linux x64/arm64 <c>struct rusage</c>: two <c>timeval</c>s, then fourteen longs this tool does not read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        private long _maxrss, _ixrss, _idrss, _isrss, _minflt, _majflt, _nswap, _inblock, _oublock, _msgsnd, _msgrcv, _nsignals, _nvcsw, _nivcsw;
    }
}
