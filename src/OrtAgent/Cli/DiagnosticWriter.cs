namespace OrtAgent.Cli;

/// <summary>
/// Standard error's writer: progress, warnings and error lines beside the results, none of them a result. A write it
/// cannot make (stderr closed, <c>2&gt;&amp;-</c>; a pipe whose reader left; a full disk, <c>2&gt;/dev/full</c>; a
/// terminal that hung up) is dropped, and so is every later one, so that the command's results and exit code stand:
/// a failed progress line aborted the process (exit 134) or was said as a full disk (exit 1), the results lost.
/// </summary>
internal sealed class DiagnosticWriter(TextWriter inner) : GuardedWriter(inner)
{
    private volatile bool _failed;

    protected override bool Silenced => _failed;

    // EBADF is an UnauthorizedAccessException in .NET; ENOSPC, EPIPE and EIO are IOExceptions: every one is dropped.
    protected override bool Absorb(Exception exception) => _failed = true;
}
