using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Commands;

/// <summary>
/// Whether a file given for a secret (API keys, a TLS private key, its password) may be read by other users of the
/// machine. Such files are meant for shared machines, where one left at the usual 0644 gives every user the secret it was
/// to keep out of process listings; said at start, never changed, as the store's mode is.
/// </summary>
internal static class SecretFileAccess
{
    private const UnixFileMode GroupAndOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>
    /// The warning for <paramref name="path"/>, given as <paramref name="flag"/>, when its group or other users may read
    /// or write it (for a symbolic link, the file it points to), saying by the bits they hold what they can do: read
    /// <paramref name="secret"/> (<c>its keys</c>), or, writing, what <paramref name="writing"/> says (<c>add keys of their
    /// own</c>); null when they may not, when it is no longer there, or on Windows, whose access lists this does not read.
    /// </summary>
    public static string? OpenToOthersWarning(string flag, string path, string secret, string writing)
    {
        if (OperatingSystem.IsWindows()) return null;
        UnixFileMode mode;
        try
        {
            // A terminal or pipe (/dev/stdin, /proc/self/fd/0) has a mode chmod would not mend: only files are judged.
            string full = Path.GetFullPath(path);
            if (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal)) return null;
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;   // gone or unreadable since it was read: nothing to warn of
        }
        if ((mode & GroupAndOthers) == 0) return null;
        // A file others may only write gives them no secret to read, but lets them put in their own (at the next start).
        bool read = (mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0, write = (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
        string can = string.Join(" and ", new[] { read ? $"read {secret}" : null, write ? writing : null }.OfType<string>());
        return $"warning: {flag} {path} is open to other users of this machine ({StoreAccess.Symbolic(mode)}): they can {can}; make it yours alone with chmod 600 {path}";
    }
}
