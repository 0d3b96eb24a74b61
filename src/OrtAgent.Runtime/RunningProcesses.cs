using System.ComponentModel;
using System.Diagnostics;

namespace OrtAgent.Runtime;

/// <summary>
/// Whether the writer of one of OrtAgent's temporary or set-aside files may still be at work: the writers put their
/// process id in the name, and a reader or a sweep tells a dead writer's leftover from a live one's work by it.
/// </summary>
/// <remarks>
/// A process id alone is not enough: ids are reused, and in a container every first process is 1, so a leftover of a
/// writer that died would be kept (and not named) for as long as any process with its id runs. A process that started
/// after the leftover was last written cannot be its writer; writers keep that true of their own leftovers (a
/// directory set aside is marked written when it is moved). When the start or the write time cannot be read, or the
/// two are too close to tell apart, the writer counts as running: a live writer's files are never touched.
/// </remarks>
internal static class RunningProcesses
{
    /// <summary>
    /// How much later than the leftover's last write a process must have started to count as another: file systems
    /// keep times in steps of up to 2 seconds (FAT), a process's start time is read to within milliseconds, and the
    /// clock of a network file system's server may differ a little from this machine's.
    /// </summary>
    public static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(5);

    /// <summary>
    /// True while process <paramref name="pid"/> runs and may have written <paramref name="leftover"/>; false when no
    /// process has that id, or it started after <paramref name="leftover"/> was last written (another process now has the id).
    /// </summary>
    public static bool IsWriterRunning(int pid, string leftover)
    {
        DateTime started;
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited) return false;
            started = process.StartTime.ToUniversalTime();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
        catch (Exception ex) when (ex is Win32Exception or NotSupportedException)
        {
            return true;   // it runs, and when it started cannot be read (another user's, on some systems)
        }
        DateTime written;
        try
        {
            written = File.GetLastWriteTimeUtc(leftover);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
        // A missing entry reads as 1601: the writer may be moving it right now.
        if (written == DateTime.FromFileTimeUtc(0)) return true;
        return started - written <= ClockSlack;
    }
}
