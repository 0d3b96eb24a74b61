namespace OrtAgent;

/// <summary>
/// A failure a test arms for the places where OrtAgent creates a file or folder (an output's temporary file, a
/// destination's write probe, the fine-tuning store's folders), so that a creation refused by a full disk (ENOSPC at
/// the open, not at a write) can be tested without filling a disk, which needs a mount and root.
/// </summary>
/// <remarks>
/// Test plumbing, not API, like <see cref="CrashPoint"/>: internal, seen by the assemblies that mark the places and the
/// tests that arm them. Armed per async flow, so tests running in parallel never see another's failure; unarmed (always,
/// outside those tests) each place costs one read of an <see cref="AsyncLocal{T}"/> that holds null.
/// </remarks>
internal static class CreationFault
{
    private static readonly AsyncLocal<Exception?> Armed = new();

    /// <summary>Makes every creation place this flow reaches throw <paramref name="failure"/> until the result is disposed.</summary>
    public static IDisposable Arm(Exception failure)
    {
        Armed.Value = failure;
        return new Disarm();
    }

    /// <summary>Throws the armed failure, if any: called just before a file or folder is created.</summary>
    public static void Reach()
    {
        if (Armed.Value is { } failure) throw failure;
    }

    private sealed class Disarm : IDisposable
    {
        public void Dispose() => Armed.Value = null;
    }
}
