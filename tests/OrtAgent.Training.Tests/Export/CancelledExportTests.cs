using System.Runtime.InteropServices;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Tests.Export;

/// <summary>
/// An export stopped while it writes its staging folder leaves the destination as it was, no staging folder, and no
/// temporary name held: the name stayed held for the life of the process (a fine-tuning service's, for every job
/// cancelled while its model was exported), so a later sweep in that process took a file of that name for a live write.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CancelledExportTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);
    private readonly TempDirectory _root = new("cancelled-export");

    public void Dispose() => _root.Dispose();

    /// <summary>
    /// The run log the export copies is a pipe: the copy waits for its writer, which is opened only once the copy reads
    /// (so the export is past its staging folder's name), and closed once the stop is asked, so the stop finds the export
    /// between its first files and its swap, every time.
    /// </summary>
    [Fact]
    public async Task AnExportStoppedWhileItWritesLeavesNoStagingFolderAndHoldsNoName()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("run"));
        var log = _root.Combine("metrics.jsonl");
        Assert.Equal(0, mkfifo(log, 0b110_000_000));
        var models = _root.Combine("models");
        Directory.CreateDirectory(models);
        var output = Path.Combine(models, "m");
        using var stop = new CancellationTokenSource();

        var export = Task.Run(() => ModelExporter.Export(artifacts, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors,
            new ExportOptions { MaxLength = 16, WriteExplainGraph = false, ExtraFiles = new Dictionary<string, string> { ["metrics.jsonl"] = log } }, output, stop.Token));
        // Opening the writer waits for the export's copy to open the pipe for reading.
        var writer = Task.Run(() => new FileStream(log, FileMode.Open, FileAccess.Write));
        await using (var pipe = await writer.WaitAsync(Bound))
        {
            Assert.NotEmpty(TemporarySiblings.HeldUnder(models));
            stop.Cancel();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => export.WaitAsync(Bound));
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.EnumerateFileSystemEntries(models));
        Assert.Empty(TemporarySiblings.HeldUnder(models));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);
}
