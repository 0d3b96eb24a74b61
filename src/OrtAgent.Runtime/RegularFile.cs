namespace OrtAgent.Runtime;

/// <summary>
/// Whether a path a user named is a regular file, asked before anything opens it. A FIFO, a device or a socket passes
/// <see cref="File.Exists(string)"/>, and opening it waits for a writer that may never come: the command hangs at
/// start with nothing said. Data files (<c>DataFile</c>), model folders' files, API key files and TLS files all ask here.
/// </summary>
internal static class RegularFile
{
    /// <summary>
    /// What <paramref name="path"/> is when it exists and is not a regular file (links followed), worded to follow the
    /// path: <c>is a directory</c>, <c>is not a regular file (a FIFO)</c>; null for a regular file or nothing there.
    /// </summary>
    internal static string? OtherKind(string path)
    {
        // statx, on Linux: .NET tells no file type but a directory. Elsewhere a FIFO is not told apart.
        if (UnixStatus.Of(path) is { } status)
            return status.IsDirectory ? "is a directory" : status.SpecialKind is { } kind ? $"is not a regular file ({kind})" : null;
        return Directory.Exists(path) ? "is a directory" : null;
    }

    /// <summary>
    /// What <paramref name="path"/>, which exists and is no directory, is, where a folder was named: a device or a FIFO
    /// (<c>/dev/null</c>) <c>is not a directory (a character device)</c>, said as what it is; anything else <c>is a file</c>.
    /// </summary>
    internal static string WhereAFolderWasNamed(string path) =>
        UnixStatus.Of(path)?.SpecialKind is { } kind ? $"is not a directory ({kind})" : "is a file";
}
