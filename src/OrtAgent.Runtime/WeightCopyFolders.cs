using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace OrtAgent.Runtime;

/// <summary>
/// The temporary folders <see cref="ExternalDataCopy"/> copies a model's external data files into, named for the
/// process that made them: <c>ortagent-weights-PID-START-RANDOM</c>, START the process's start time in Unix seconds. A
/// process killed between the copy and its removal (Ctrl+C twice, the OOM killer, a container stopped) left a folder
/// the size of the model's weights in the temporary directory that nothing removed; the next copy, by any process, now
/// removes every such folder whose owner is gone. The start time tells a reused process id from the owner: a process
/// with the id that started at another time is not the one that made the folder.
/// </summary>
internal static class WeightCopyFolders
{
    private const string Prefix = "ortagent-weights-";

    // Process start times are read from the kernel's clock ticks since boot and the boot time, which .NET computes anew
    // in each process: two readings of one process's start time differ by a little.
    private static readonly TimeSpan StartTimeSlack = TimeSpan.FromSeconds(2);

    /// <summary>What this process's folders are named up to their random part: <c>ortagent-weights-PID-START-</c>.</summary>
    internal static string OwnName => OwnPrefix.Value;

    private static readonly Lazy<string> OwnPrefix = new(() =>
    {
        using var self = Process.GetCurrentProcess();
        return $"{Prefix}{Environment.ProcessId}-{UnixSeconds(self.StartTime)}-";
    });

    /// <summary>A new, empty folder in <paramref name="temporary"/> named for this process.</summary>
    /// <exception cref="IOException">The folder cannot be made.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be made.</exception>
    public static DirectoryInfo Create(string temporary)
    {
        // The process's own prefix and 11 random letters and digits (no '-'), as Directory.CreateTempSubdirectory names its folders.
        var path = Path.Combine(temporary, OwnPrefix.Value + Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal));
        if (OperatingSystem.IsWindows()) return Directory.CreateDirectory(path);
        // Mode 700, as Directory.CreateTempSubdirectory makes it: the copies are the model's weights.
        return Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>
    /// Removes every folder of this kind in <paramref name="temporary"/> whose owner no longer runs. A folder whose
    /// owner may still run (its id runs and its start time matches, or cannot be read) is kept, and so is one whose name
    /// says no owner (made before names did), which may be a running older OrtAgent's copy. What cannot be removed (another
    /// user's) is left without a word: the sweep is housekeeping, not the load's business.
    /// </summary>
    public static void SweepAbandoned(string temporary)
    {
        IEnumerable<string> folders;
        try
        {
            folders = Directory.EnumerateDirectories(temporary, Prefix + "*").ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var folder in folders)
        {
            if (OwnerOf(Path.GetFileName(folder)) is not { } owner || MayRun(owner.Pid, owner.Started)) continue;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another sweep removed it first, or it is another user's.
            }
        }
    }

    // PID and START from PREFIX-PID-START-RANDOM; null for any other name.
    private static (int Pid, long Started)? OwnerOf(string name)
    {
        var parts = name[Prefix.Length..].Split('-');
        return parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long started)
            ? (pid, started) : null;
    }

    private static bool MayRun(int pid, long startedUnixSeconds)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited) return false;
            var started = DateTimeOffset.FromUnixTimeSeconds(startedUnixSeconds);
            return (new DateTimeOffset(process.StartTime) - started).Duration() <= StartTimeSlack;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;   // no process has the id
        }
        catch (Exception ex) when (ex is Win32Exception or NotSupportedException)
        {
            return true;    // it runs, and when it started cannot be read (another user's, on some systems)
        }
    }

    private static long UnixSeconds(DateTime localTime) => new DateTimeOffset(localTime).ToUnixTimeSeconds();
}
