namespace OrtAgent.Bench;

/// <summary>
/// Holds <c>WORK/.bench.lock</c> open for the life of a bench run, so that a second bench process given the same work
/// folder is refused at once instead of replacing the first one's artifacts, models and JSON mid-run (the runs' folders
/// under it have fixed names). The lock is the operating system's (an exclusive open), so a killed run leaves none behind.
/// </summary>
public sealed class WorkFolderLock : IDisposable
{
    public const string FileName = ".bench.lock";

    private readonly FileStream _file;

    private WorkFolderLock(FileStream file) => _file = file;

    /// <summary>Creates <paramref name="workFolder"/> if needed and takes its lock.</summary>
    /// <exception cref="UserInputException">Another bench process holds it.</exception>
    public static WorkFolderLock Acquire(string workFolder)
    {
        Directory.CreateDirectory(workFolder);
        var path = Path.Combine(workFolder, FileName);
        try
        {
            // FileShare.None is an exclusive flock on Unix: released by the kernel when the process ends, however it ends.
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            using (var writer = new StreamWriter(file, leaveOpen: true)) writer.Write(Environment.ProcessId);
            return new WorkFolderLock(file);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new UserInputException(
                $"the work folder {workFolder} is in use by another bench process (it holds {path}); give this run its own --work (and its own --json)", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
