namespace OrtAgent;

/// <summary>
/// A failure a test arms for the places where OrtAgent creates a file or folder (an output's temporary file, a
/// destination's write probe, the fine-tuning store's folders, an atomic file's temporary, a packaged base's extracted files), so that a creation refused by a full disk (ENOSPC at
/// the open, not at a write) can be tested without filling a disk, which needs a mount and root.
/// </summary>
/// <remarks>
/// Test plumbing, not API, like <see cref="CrashPoint"/>: internal, seen by the assemblies that mark the places and the
/// tests that arm them. Armed per async flow, so tests running in parallel never see another's failure; unarmed (always,
/// outside those tests) each place costs one read of an <see cref="AsyncLocal{T}"/> that holds null.
/// </remarks>
internal static class CreationFault
{
    private static readonly AsyncLocal<(Exception Failure, string? Folder)?> Armed = new();

    /// <summary>Makes every creation place this flow reaches throw <paramref name="failure"/> until the result is disposed.</summary>
    public static IDisposable Arm(Exception failure)
    {
        Armed.Value = (failure, null);
        return new Disarm();
    }

    /// <summary>
    /// Makes the creation places that name their path (<see cref="Reach(string)"/>) throw <paramref name="failure"/> for
    /// a file or folder created directly in <paramref name="folder"/> until the result is disposed: one read-only folder
    /// among those a run writes in, which root (who runs the tests in containers) cannot make.
    /// </summary>
    public static IDisposable ArmIn(string folder, Exception failure)
    {
        Armed.Value = (failure, Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return new Disarm();
    }

    /// <summary>Throws the failure armed for every place, if any: called just before a file or folder is created.</summary>
    public static void Reach()
    {
        if (Armed.Value is ({ } failure, null)) throw failure;
    }

    /// <summary>Throws the failure armed for every place or for <paramref name="path"/>'s folder, if any: called just before <paramref name="path"/> is created.</summary>
    public static void Reach(string path)
    {
        if (Armed.Value is not ({ } failure, var folder)) return;
        if (folder is null || string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), folder, StringComparison.Ordinal)) throw failure;
    }

    private sealed class Disarm : IDisposable
    {
        public void Dispose() => Armed.Value = null;
    }
}
