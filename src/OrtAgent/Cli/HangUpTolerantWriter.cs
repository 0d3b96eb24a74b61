using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Cli;

/// <summary>
/// The console's writer, made to outlive its terminal: once a write fails with EIO (the terminal hung up: an SSH
/// session dropped, a window closed) it and every later write go nowhere instead of throwing, so a run that SIGHUP
/// asked to stop can still checkpoint and exit as cancelled. Other failures, such as a closed pipe, still throw; a full
/// disk (output redirected to a file, <c>&gt; out.json</c>) throws naming the stream, <paramref name="name"/>, since
/// .NET's message for it names no file and the CLI's line said only "No space left on device"; a descriptor not open
/// for writing (EBADF, which .NET throws as "Access to the path is denied") throws <see cref="ClosedStreamException"/>.
/// </summary>
/// <param name="inner">The console's writer.</param>
/// <param name="name">The stream, as messages name it.</param>
/// <param name="closed">
/// The process has no such stream (<see cref="StandardStreams"/>): every write throws <see cref="ClosedStreamException"/>
/// without reaching <paramref name="inner"/>, whose descriptor the runtime's own pipe holds.
/// </param>
internal sealed class HangUpTolerantWriter(TextWriter inner, string name = "standard output", bool closed = false) : GuardedWriter(inner)
{
    private const int InputOutputError = 5;   // EIO on Linux and macOS
    private volatile bool _hungUp;

    protected override bool Silenced => _hungUp;

    protected override void BeforeWrite()
    {
        if (closed) throw new ClosedStreamException(name);
    }

    protected override bool Absorb(Exception exception) => exception switch
    {
        IOException ex when IsHangUp(ex) => _hungUp = true,
        IOException ex when DiskFull.Is(ex) => throw new FullStreamException(name, ex),
        UnauthorizedAccessException ex => throw new ClosedStreamException(name, ex),
        _ => false,
    };

    private static bool IsHangUp(IOException ex) => !OperatingSystem.IsWindows() && ex.HResult == InputOutputError;
}
