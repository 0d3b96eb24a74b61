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
internal sealed class HangUpTolerantWriter(TextWriter inner, string name = "standard output", bool closed = false) : TextWriter
{
    private const int InputOutputError = 5;   // EIO on Linux and macOS
    private volatile bool _hungUp;

    public override System.Text.Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter accepts null and means the default
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value) => Guard(() => inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Guard(() => inner.Write(buffer, index, count));

    // Guard's body written out: a span cannot be captured by the lambda Guard takes.
    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (_hungUp) return;
        if (closed) throw new ClosedStreamException(name);
        try
        {
            inner.Write(buffer);
        }
        catch (IOException ex) when (IsHangUp(ex))
        {
            _hungUp = true;
        }
        catch (IOException ex) when (DiskFull.Is(ex))
        {
            throw Named(ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ClosedStreamException(name, ex);
        }
    }

    public override void Write(string? value) => Guard(() => inner.Write(value));

    public override void WriteLine() => Guard(inner.WriteLine);

    public override void WriteLine(string? value) => Guard(() => inner.WriteLine(value));

    public override void Flush() => Guard(inner.Flush);

    private void Guard(Action write)
    {
        if (_hungUp) return;
        if (closed) throw new ClosedStreamException(name);
        try
        {
            write();
        }
        catch (IOException ex) when (IsHangUp(ex))
        {
            _hungUp = true;
        }
        catch (IOException ex) when (DiskFull.Is(ex))
        {
            throw Named(ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ClosedStreamException(name, ex);
        }
    }

    private FullStreamException Named(IOException ex) => new(name, ex);

    private static bool IsHangUp(IOException ex) => !OperatingSystem.IsWindows() && ex.HResult == InputOutputError;
}
