using System.Diagnostics;

namespace OrtAgent.Runtime;

/// <summary>
/// Whether a process named by its id is still running: the writers of OrtAgent's temporary and set-aside directories
/// put their process id in the name, and a reader or a sweep tells a dead writer's leftover from a live one's work by it.
/// </summary>
internal static class RunningProcesses
{
    /// <summary>True while process <paramref name="pid"/> runs; false when no process has that id, or it has exited.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
