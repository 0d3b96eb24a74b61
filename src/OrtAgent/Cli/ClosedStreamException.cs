namespace OrtAgent.Cli;

/// <summary>
/// A write to standard output when the process has none (<c>&gt;&amp;-</c>): .NET's own failure was an
/// <see cref="UnauthorizedAccessException"/>, "Access to the path is denied", naming nothing.
/// </summary>
internal sealed class ClosedStreamException(string stream, Exception? inner = null) : IOException($"{stream} is closed", inner)
{
    /// <summary>Which stream: <c>standard output</c>.</summary>
    public string Stream { get; } = stream;
}
