namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Puts a completely written directory in place of another by renames on the same volume, so readers see the old
/// directory or the new one, never a mixture: checkpoints, exported models, promoted models and pulled base models.
/// </summary>
public static class AtomicDirectory
{
    /// <summary>
    /// Moves <paramref name="target"/> (when present) to <paramref name="retired"/>, <paramref name="staging"/> to
    /// <paramref name="target"/>, then deletes the retired copy. <paramref name="retired"/> defaults to a unique sibling;
    /// a caller that can recover from a crash between the two renames names it.
    /// </summary>
    public static void Replace(string staging, string target, string? retired = null)
    {
        retired ??= target.TrimEnd(Path.DirectorySeparatorChar) + ".replaced-" + Guid.NewGuid().ToString("N");
        if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
        if (Directory.Exists(target)) Directory.Move(target, retired);
        Directory.Move(staging, target);
        if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
    }
}
