using System.Globalization;
using System.Text.RegularExpressions;
using OrtAgent.Runtime;

namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// The empty file <see cref="DestinationGuard"/> creates in a folder to learn whether it can write there
/// (<c>.ortagent-probe-PID-GUID</c>), and the sweep of those a killed process left. The probe is deleted on close, but a
/// <c>kill -9</c> in the instant it exists leaves it; in a checkpoint folder it is then a file the next save did not
/// write, which refused the save after the run's steps.
/// </summary>
internal static class WriteProbe
{
    private const string Prefix = ".ortagent-probe-";

    private static readonly Regex Pattern = new(@"^\.ortagent-probe-(?<pid>\d+)-[0-9a-f]{32}$", RegexOptions.CultureInvariant);

    // The probes this process holds open now: a leftover of an earlier process that had this one's id (containers) goes,
    // another thread's probe does not.
    private static readonly HashSet<string> Open = new(StringComparer.Ordinal);

    /// <summary>A new probe's path in <paramref name="folder"/>, for <see cref="CreateAndDelete"/>.</summary>
    public static string PathIn(string folder) =>
        Path.Combine(folder, $"{Prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");

    /// <summary>Creates <paramref name="probe"/> (from <see cref="PathIn"/>) and deletes it again, or throws what the creation threw.</summary>
    public static void CreateAndDelete(string probe)
    {
        lock (Open) Open.Add(probe);
        try
        {
            CreationFault.Reach(probe);
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        finally
        {
            lock (Open) Open.Remove(probe);
        }
    }

    /// <summary>
    /// Deletes the probes in <paramref name="folder"/> whose process is gone. Call it only where no other process
    /// probes now (under the claim of the run whose folder it is): a probe's process id may already be reused.
    /// </summary>
    /// <returns>How many were deleted.</returns>
    public static int SweepLeftoversIn(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int swept = 0;
        foreach (var entry in Directory.EnumerateFiles(folder, Prefix + "*", new EnumerationOptions { AttributesToSkip = 0 }).ToList())
        {
            var match = Pattern.Match(Path.GetFileName(entry));
            if (!match.Success || !int.TryParse(match.Groups["pid"].Value, CultureInfo.InvariantCulture, out int pid) || IsInUse(entry, pid)) continue;
            try
            {
                File.Delete(entry);
                swept++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not ours to delete (a read-only folder, which the probe that follows refuses in its own words).
            }
        }
        return swept;
    }

    private static bool IsInUse(string probe, int pid)
    {
        if (pid == Environment.ProcessId)
            lock (Open) return Open.Contains(probe);
        return RunningProcesses.IsRunning(pid);
    }
}
