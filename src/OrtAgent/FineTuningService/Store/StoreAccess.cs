namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Whether other users of the machine can reach into a store: it holds uploaded training data, the database and the
/// trained models, written with the process's umask (world-readable under the usual 022), so the store directory's own
/// mode is what keeps them private. A new store is made for its owner alone; one made before that, or by hand, may not be.
/// </summary>
internal static class StoreAccess
{
    private const UnixFileMode GroupAndOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// The warning for a store <paramref name="directory"/> that grants its group or other users any access (even
    /// search alone lets them open <c>ortagent.db</c> by its name), or null when it grants none, is missing, or on
    /// Windows, whose access lists this does not read.
    /// </summary>
    /// <param name="directory">The store directory, as the user gave it.</param>
    public static string? OpenToOthersWarning(string directory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory)) return null;
        var mode = File.GetUnixFileMode(directory);
        if ((mode & GroupAndOthers) == 0) return null;
        return $"warning: --store {directory} is open to other users of this machine ({Symbolic(mode)}): they can read its uploaded training data, "
            + $"database and models; make it yours alone with chmod 700 {directory}";
    }

    /// <summary>The permission bits as <c>ls -l</c> shows them: <c>rwxr-xr-x</c>.</summary>
    internal static string Symbolic(UnixFileMode mode)
    {
        Span<char> text = stackalloc char[9];
        const string letters = "rwx";
        for (int bit = 0; bit < 9; bit++)
            text[bit] = ((int)mode & (1 << (8 - bit))) != 0 ? letters[bit % 3] : '-';
        return new string(text);
    }
}
