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
    /// or write it (for a symbolic link, the file it points to), saying they can read <paramref name="secret"/>
    /// (<c>its keys</c>); null when they may not, when it is no longer there, or on Windows, whose access lists this
    /// does not read.
    /// </summary>
    public static string? OpenToOthersWarning(string flag, string path, string secret)
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
        return (mode & GroupAndOthers) == 0 ? null
            : $"warning: {flag} {path} is open to other users of this machine ({StoreAccess.Symbolic(mode)}): they can read {secret}; make it yours alone with chmod 600 {path}";
    }
}
