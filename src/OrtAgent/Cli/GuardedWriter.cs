namespace OrtAgent.Cli;

/// <summary>
/// A console writer that hands every write to <c>inner</c> and lets the derived writer decide what a failed write
/// means (<see cref="Absorb"/>): the standard streams' writers differ only in that.
/// </summary>
internal abstract class GuardedWriter(TextWriter inner) : TextWriter
{
    public sealed override System.Text.Encoding Encoding => inner.Encoding;

    public sealed override IFormatProvider FormatProvider => inner.FormatProvider;

    public sealed override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter accepts null and means the default
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    /// <summary>Whether writes now go nowhere, as after a failure <see cref="Absorb"/> took.</summary>
    protected abstract bool Silenced { get; }

    /// <summary>Runs before each write that is not silenced; throws to refuse it without reaching the inner writer.</summary>
    protected virtual void BeforeWrite() { }

    /// <summary>
    /// What a failed write means: true when it is absorbed (the derived writer may silence itself), false to let the
    /// exception go as it is; or throws an exception of its own that says it better.
    /// </summary>
    protected abstract bool Absorb(Exception exception);

    public sealed override void Write(char value) => Guard(() => inner.Write(value));

    public sealed override void Write(char[] buffer, int index, int count) => Guard(() => inner.Write(buffer, index, count));

    // Guard's body written out: a span cannot be captured by the lambda Guard takes.
    public sealed override void Write(ReadOnlySpan<char> buffer)
    {
        if (Silenced) return;
        BeforeWrite();
        try
        {
            inner.Write(buffer);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!Absorb(ex)) throw;
        }
    }

    public sealed override void Write(string? value) => Guard(() => inner.Write(value));

    public sealed override void WriteLine() => Guard(inner.WriteLine);

    public sealed override void WriteLine(string? value) => Guard(() => inner.WriteLine(value));

    public sealed override void Flush() => Guard(inner.Flush);

    private void Guard(Action write)
    {
        if (Silenced) return;
        BeforeWrite();
        try
        {
            write();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!Absorb(ex)) throw;
        }
    }
}
