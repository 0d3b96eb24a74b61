using System.ComponentModel;
using System.Diagnostics;

namespace OrtAgent.Runtime;

/// <summary>
/// Whether the writer of one of OrtAgent's temporary or set-aside files may still be at work: the writers put their
/// process id in the name, and a reader or a sweep tells a dead writer's leftover from a live one's work by it.
/// </summary>
/// <remarks>
/// Two answers for two uses. A sweep deletes, so it goes by the process id alone (<see cref="IsRunning"/>): a leftover
/// whose id a running process has is kept, whoever that process is. The model loader only says where a model went, so
/// it may go further (<see cref="IsWriterRunning"/>): ids are reused, and in a container every first process is 1, so a
/// loader would otherwise never name a leftover while any process with its id runs; a process that started after the
/// leftover was last written is not its writer (writers mark a directory they set aside as written when they move it).
/// </remarks>
internal static class RunningProcesses
{
    /// <summary>
    /// True while a process with id <paramref name="pid"/> runs: what a sweep that deletes goes by, since a running
    /// process with the id may be the writer whatever the times say (a clock stepped, a file server's clock behind).
    /// </summary>
    public static bool IsRunning(int pid) => RunsAnd(pid, _ => true);

    // Whether a process with the id runs and, asked of it while it is held, answers yes.
    private static bool RunsAnd(int pid, Func<Process, bool> andThen)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && andThen(process);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

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
    public static bool IsWriterRunning(int pid, string leftover) => RunsAnd(pid, process => MayHaveWritten(process, leftover));

    private static bool MayHaveWritten(Process process, string leftover)
    {
        DateTime started;
        try
        {
            started = process.StartTime.ToUniversalTime();
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
