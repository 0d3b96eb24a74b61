namespace OrtAgent.Cli;

/// <summary>
/// Standard error's writer: progress, warnings and error lines beside the results, none of them a result. A write it
/// cannot make (stderr closed, <c>2&gt;&amp;-</c>; a pipe whose reader left; a full disk, <c>2&gt;/dev/full</c>; a
/// terminal that hung up) is dropped, and so is every later one, so that the command's results and exit code stand:
/// a failed progress line aborted the process (exit 134) or was said as a full disk (exit 1), the results lost.
/// </summary>
internal sealed class DiagnosticWriter(TextWriter inner) : TextWriter
{
    private volatile bool _failed;

    public override System.Text.Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter accepts null and means the default
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value) => Try(() => inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Try(() => inner.Write(buffer, index, count));

    // Try's body written out: a span cannot be captured by the lambda Try takes.
    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (_failed) return;
        try
        {
            inner.Write(buffer);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _failed = true;
        }
    }

    public override void Write(string? value) => Try(() => inner.Write(value));

    public override void WriteLine() => Try(inner.WriteLine);

    public override void WriteLine(string? value) => Try(() => inner.WriteLine(value));

    public override void Flush() => Try(inner.Flush);

    // EBADF is an UnauthorizedAccessException in .NET; ENOSPC, EPIPE and EIO are IOExceptions.
    private void Try(Action write)
    {
        if (_failed) return;
        try
        {
            write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _failed = true;
        }
    }
}
