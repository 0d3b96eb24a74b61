using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>export --checkpoint</c> beside the run that owns the artifacts: it takes the run's claim when it is free and
/// recovers a save cut short; while a run holds it, or the user may only read the run, it changes nothing there and
/// exports one complete checkpoint, or says to try again.
/// </summary>
public sealed class ExportWhileARunHoldsTheArtifactsTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// Opening a run recovers a checkpoint save cut short (checkpoint.old back to checkpoint). Export opened runs without
    /// their claim, so while another process trained there it could take that process's save, between its two renames,
    /// for one cut short, and undo it. Export takes the claim when it is free; while a run holds it, export changes
    /// nothing: it exports the last complete checkpoint, and refuses, saying to try again, while none is in place.
    /// </summary>
    [Fact]
    public async Task WhileARunHoldsTheArtifactsExportChangesNothingInThemAndReadsOnlyACompleteCheckpoint()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        var artifacts = _work.Combine("artifacts", "m");
        var checkpoint = Path.Combine(artifacts, TrainingArtifacts.CheckpointDirectoryName);
        var exported = _work.Combine("models", "again");
        string[] export = ["export", "--checkpoint", artifacts, "--output", exported, "--no-explain", "--latest"];

        using (ArtifactsClaim.Acquire(artifacts))   // as the run training there holds it
        {
            // A save between its renames: the new checkpoint staged, the old one moved aside.
            DirectoryCopy.Recursive(checkpoint, checkpoint + ".next");
            Directory.Move(checkpoint, checkpoint + ".old");
            var before = TreeSnapshot.Take(artifacts);

            var midSave = await CliRun.RunAsync(export);

            Assert.True(midSave.ExitCode == 2, midSave.ToString());
            Assert.Equal($"error: '{artifacts}': the run there is saving a checkpoint; try again in a moment", Assert.Single(midSave.ErrorLines));
            Assert.Equal(before, TreeSnapshot.Take(artifacts));
            Assert.False(Directory.Exists(exported));

            // The second rename done, the old checkpoint not yet removed: the new one is complete, and is what is exported.
            Directory.Move(checkpoint + ".next", checkpoint);
            before = TreeSnapshot.Take(artifacts);

            var complete = await CliRun.RunAsync(export);

            Assert.True(complete.ExitCode == 0, complete.ToString());
            Assert.Equal(before, TreeSnapshot.Take(artifacts));
            Assert.True(File.Exists(Path.Combine(exported, ModelContract.ModelFile)));
        }
    }

    /// <summary>With no run holding the artifacts, export claims them and recovers a save a kill cut short, as before, leaving no lock file behind.</summary>
    [Fact]
    public async Task WithNoRunHoldingTheArtifactsExportRecoversASaveCutShort()
    {
        var (artifacts, checkpoint) = await tiny.TrainWithASaveCutShortAsync(_work.Path);

        var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", _work.Combine("models", "again"), "--no-explain", "--latest"]);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.True(Directory.Exists(checkpoint));
        Assert.False(Directory.Exists(checkpoint + ".old"));
        Assert.False(File.Exists(ProcessLock.FileBeside(artifacts)));
    }

    /// <summary>
    /// A user who may read a run's artifacts but not write beside them (a shared folder) exported it before the claim
    /// existed; export takes the claim only when it can, and otherwise reads the run without it, changing nothing. As
    /// root, who writes anywhere, the export runs as nobody in a child; as anyone else, in this process.
    /// </summary>
    [Fact]
    public async Task ARunTheUserMayOnlyReadIsExportedWithoutItsClaim()
    {
        if (OperatingSystem.IsWindows() || (OrtAgentProcess.RunningAsRoot && !OperatingSystem.IsLinux())) return;   // Unix modes; setpriv is Linux's
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);

        var (run, model) = await ExportAsAUserWhoMayOnlyReadAsync(_work.Combine("artifacts"), "--checkpoint", _work.Combine("artifacts", "m"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(model, ModelContract.ModelFile)));
    }

    /// <summary>
    /// A run killed between a checkpoint save's two renames, in a folder the user may only read: the export cannot take
    /// the claim, and no one holds it. It took the save for one in progress and said "try again in a moment", which no
    /// wait would change; it exports the checkpoint the run's recovery will put back (checkpoint.old), changing nothing.
    /// </summary>
    [Fact]
    public async Task ARunTheUserMayOnlyReadWithASaveCutShortIsExportedFromTheCheckpointItsRecoveryKeeps()
    {
        if (OperatingSystem.IsWindows() || (OrtAgentProcess.RunningAsRoot && !OperatingSystem.IsLinux())) return;   // Unix modes; setpriv is Linux's
        var (artifacts, checkpoint) = await tiny.TrainWithASaveCutShortAsync(_work.Path);
        long kept = Training.Trainer.TrainerState.Load(Path.Combine(checkpoint + ".old", TrainingArtifacts.TrainerStateFile)).Step;

        var (run, model) = await ExportAsAUserWhoMayOnlyReadAsync(Path.GetDirectoryName(artifacts)!, "--checkpoint", artifacts, "--latest");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"exported {Path.Combine(model, ModelContract.ModelFile)} (", run.Output);
        Assert.Contains($"from the run's latest parameters (step {kept}).", File.ReadAllText(Path.Combine(model, "README.md")));
    }

    /// <summary>
    /// Runs <c>export</c> with <paramref name="arguments"/> into a folder anyone may write, as a user who may only read
    /// <paramref name="artifactsRoot"/> (a shared folder): as root, who writes anywhere, as nobody in a child; as anyone
    /// else, in this process. Asserts that the export changed nothing there.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private async Task<(CliRun Run, string Model)> ExportAsAUserWhoMayOnlyReadAsync(string artifactsRoot, params string[] arguments)
    {
        var open = _work.Combine("open");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);
        var model = Path.Combine(open, "model");
        var before = TreeSnapshot.Take(artifactsRoot);
        string[] export = ["export", .. arguments, "--output", model, "--no-explain"];

        File.SetUnixFileMode(artifactsRoot, (UnixFileMode)0b101_101_101);
        try
        {
            var run = OrtAgentProcess.RunningAsRoot
                ? await new OrtAgentProcess { Unprivileged = true, WorkingDirectory = open, Environment = { ["HOME"] = open } }.RunAsync(export)
                : await CliRun.RunAsync(export);
            Assert.Equal(before, TreeSnapshot.Take(artifactsRoot));
            return (run, model);
        }
        finally
        {
            File.SetUnixFileMode(artifactsRoot, (UnixFileMode)0b111_101_101);
        }
    }

    /// <summary>
    /// Without the claim, export read the properties at the open, the weights and the trainer state later, each a fresh
    /// open: a save by the run training there in between gave a model whose card named one step over another step's
    /// weights, and a read between the save's two renames a raw missing-file error, reported as a bug. A fake run here
    /// saves checkpoints as the trainer does (two renames) while exports run; each checkpoint's head bias holds its
    /// step, so every export either has the bias of the step its card names, or says the run is saving. Nothing forces
    /// a save into an export's reads here (before the fix about half the runs of this test failed); ReadWithoutClaimTests
    /// place one there every time.
    /// </summary>
    [Fact]
    public async Task WhileARunSavesCheckpointsEachExportHasOneCheckpointsWeightsAndStepOrSaysToTryAgain()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        var artifacts = _work.Combine("artifacts", "m");
        var checkpoint = Path.Combine(artifacts, TrainingArtifacts.CheckpointDirectoryName);
        string[] saves = [MarkedCopy(checkpoint, _work.Combine("save-1001"), 1001), MarkedCopy(checkpoint, _work.Combine("save-1002"), 1002)];
        using var claim = ArtifactsClaim.Acquire(artifacts);   // as the run training there holds it
        SaveAsTheTrainerDoes(saves[0], checkpoint);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() =>
        {
            var pace = new Random(7);
            for (int save = 1; save <= 20_000 && !stop.IsCancellationRequested; save++)
            {
                SaveAsTheTrainerDoes(saves[save % 2], checkpoint);
                // Bursts of saves, as fast as they go, between pauses: exports land in both.
                if (save % 50 == 0) Thread.Sleep(pace.Next(20, 60));
            }
        });
        try
        {
            for (int i = 0; i < 12; i++)
            {
                var exported = _work.Combine("models", $"export-{i}");
                var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", exported, "--no-explain", "--latest"]);
                if (export.ExitCode == 2 && export.ErrorLines is [var line]
                    && line == $"error: '{artifacts}': the run there is saving a checkpoint; try again in a moment")
                {
                    continue;
                }
                Assert.True(export.ExitCode == 0, export.ToString());
                var card = File.ReadAllText(Path.Combine(exported, "README.md"));
                long step = long.Parse(System.Text.RegularExpressions.Regex.Match(card, @"latest parameters \(step (\d+)\)").Groups[1].Value,
                    System.Globalization.CultureInfo.InvariantCulture);
                var bias = Onnx.OnnxModel.Load(Path.Combine(exported, ModelContract.ModelFile)).Graph.Initializers
                    .Single(v => v.Name == Training.Heads.ClassifierHead.BiasName).Initializer!.AsSpan<float>()[0];
                Assert.Equal(step, (long)bias);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    /// <summary>A copy of <paramref name="checkpoint"/> at <paramref name="to"/> as a save of step <paramref name="step"/>, its head's bias all <paramref name="step"/>.</summary>
    private static string MarkedCopy(string checkpoint, string to, long step)
    {
        DirectoryCopy.Recursive(checkpoint, to);
        var model = Path.Combine(to, TrainingArtifacts.ModelCheckpointFile);
        var marked = SafeTensorsReader.Read(model).Tensors
            .Select(p => p.Key == Training.Heads.ClassifierHead.BiasName
                ? KeyValuePair.Create(p.Key, Onnx.TensorData.Create<float>(p.Value.Dims, Enumerable.Repeat((float)step, (int)p.Value.ElementCount).ToArray()))
                : p)
            .ToList();
        SafeTensorsWriter.Write(model, marked);
        var state = Path.Combine(to, TrainingArtifacts.TrainerStateFile);
        File.WriteAllText(state, (Training.Trainer.TrainerState.Load(state) with { Step = step }).ToJson());
        return to;
    }

    /// <summary>
    /// What <see cref="TrainingArtifacts.SaveCheckpoint"/> does once the new checkpoint is written: two renames, then the
    /// old one removed. Each save's files get a write time of their own, as files a trainer writes anew have: copies keep
    /// their source's, so two saves of one size in a reused inode looked like one checkpoint, and the reader's identity
    /// check let an export mix them (about 1 run in 6).
    /// </summary>
    private static void SaveAsTheTrainerDoes(string save, string checkpoint)
    {
        DirectoryCopy.Recursive(save, checkpoint + ".next");
        var written = DateTime.UtcNow.AddTicks(Interlocked.Increment(ref _saves));
        foreach (var file in Directory.GetFiles(checkpoint + ".next")) File.SetLastWriteTimeUtc(file, written);
        Directory.Move(checkpoint, checkpoint + ".old");
        Directory.Move(checkpoint + ".next", checkpoint);
        Directory.Delete(checkpoint + ".old", recursive: true);
    }

    private static long _saves;
}
