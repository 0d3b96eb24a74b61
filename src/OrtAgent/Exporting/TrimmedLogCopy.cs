namespace OrtAgent.Exporting;

/// <summary>
/// A copy of a run's <c>metrics.jsonl</c> up to a step (<see cref="FineTuning.MetricsLog.CopyUpTo"/>), in a directory of
/// its own under the system's temporary folder, for an export to copy beside the model: the export reads the run's
/// artifacts and changes nothing in them. Disposing removes it.
/// </summary>
internal sealed class TrimmedLogCopy : IDisposable
{
    private readonly DirectoryInfo _directory;

    public TrimmedLogCopy(string log, long step)
    {
        _directory = Directory.CreateTempSubdirectory("ortagent-export-");
        Path = System.IO.Path.Combine(_directory.FullName, FineTuning.MetricsLog.FileName);
        try
        {
            FineTuning.MetricsLog.CopyUpTo(log, step, Path);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The copy's path.</summary>
    public string Path { get; }

    public void Dispose() => _directory.Delete(recursive: true);
}
