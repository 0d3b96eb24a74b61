namespace OrtAgent.Cli;

/// <summary>
/// A write to standard output or error, redirected to a file, that failed for want of space: the message names the
/// stream (the file system's names no file for it), and the error number stays the file system's, so the error is
/// still said as a full disk.
/// </summary>
internal sealed class FullStreamException : IOException
{
    public FullStreamException(string stream, IOException inner) : base($"{stream}: {inner.Message}", inner)
    {
        HResult = inner.HResult;
        Stream = stream;
    }

    /// <summary>Which stream: <c>standard output</c> or <c>standard error</c>.</summary>
    public string Stream { get; }
}
