using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// A command whose lock file cannot be created, because the folder it goes in (beside the directory claimed) is read-only,
/// is refused in one line naming the option whose folder it is, exit 2, nothing written. The line named only the lock
/// file (<c>/w/artifacts/.m.lock: cannot create the lock file: Access to the path … is denied.</c>), a path the user
/// never typed. Likewise a new run whose artifacts root is read-only names the option that moves it: a plain
/// <c>train --output m</c> said only <c>artifacts directory artifacts/m (Artifacts:Root in appsettings.json): cannot
/// write in '…' (permission denied)</c>, a setting the user never made, and not the <c>--artifacts-root</c> to give.
/// The children run as an unprivileged user, since root writes anywhere.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LockFileInReadOnlyFolderTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private const UnixFileMode ReadOnly = (UnixFileMode)0b101_101_101;
    private const UnixFileMode Open = (UnixFileMode)0b111_111_111;

    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        foreach (var directory in Directory.EnumerateDirectories(_work.Path, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        _work.Dispose();
    }

    [Fact]
    public async Task TrainResumeInAReadOnlyArtifactsFolderNamesResume()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        // Everything open to the unprivileged child but the folder the run's lock file goes in.
        OpenAllBut(_work.Combine("artifacts"));
        var artifacts = _work.Combine("artifacts", "m");

        var run = await RunUnprivilegedAsync("train", "--resume", artifacts);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --resume {artifacts}: cannot create its lock file '{_work.Combine("artifacts", ".m.lock")}' (permission denied)",
            Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// A resumed run whose artifacts lost their vocab.txt copy, in an artifacts folder the user may only read: the base's
    /// cannot be copied in, so the run is refused before training, naming the folder, rather than after every epoch. The
    /// line is the one of any read-only run folder (below): copying the vocabulary in by hand, as it used to advise, left
    /// a run that then failed at its next write.
    /// </summary>
    [Fact]
    public async Task TrainResumeWithoutItsVocabularyCopyInAReadOnlyRunFolderIsRefusedBeforeTraining()
    {
        var stopped = await CliRun.RunCancelledOnAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0"), "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        File.Delete(Path.Combine(artifacts, "vocab.txt"));
        OpenAllBut(artifacts);

        var run = await RunUnprivilegedAsync("train", "--resume", artifacts);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(CannotWrite(artifacts, artifacts), Assert.Single(run.ErrorLines));
        // Refused before the run resumed: not a step trained.
        Assert.DoesNotContain("Resuming ", run.Output);
        Assert.DoesNotContain(" loss ", run.Output);
    }

    /// <summary>
    /// A run folder the user may only read, its vocab.txt in place: refused in one line naming it, exit 2, nothing written.
    /// It was "internal error: UnauthorizedAccessException" (exit 1) at the first of a resume's writes, the record of its output.
    /// </summary>
    [Fact]
    public async Task TrainResumeInAReadOnlyRunFolderIsRefusedInOneLine()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        OpenAllBut(artifacts);

        var run = await RunUnprivilegedAsync("train", "--resume", artifacts);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(CannotWrite(artifacts, artifacts), Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// A stopped run whose checkpoint folder alone is read-only: a resume wrote its records, trained until its first
    /// checkpoint save, and failed there (an internal error, after the steps). Refused before anything is written now.
    /// </summary>
    [Fact]
    public async Task TrainResumeWithAReadOnlyCheckpointFolderIsRefusedBeforeTraining()
    {
        var stopped = await CliRun.RunCancelledOnAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0"), "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        var checkpoint = Path.Combine(artifacts, "checkpoint");
        OpenAllBut(checkpoint);

        var run = await RunUnprivilegedAsync("train", "--resume", artifacts);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(CannotWrite(artifacts, checkpoint), Assert.Single(run.ErrorLines));
        Assert.DoesNotContain(" loss ", run.Output);
    }

    /// <summary>
    /// A new run into the artifacts of an earlier one that the user may only read (the artifacts root writable): the run
    /// replaces them in place, which failed once its graphs were built ("internal error: UnauthorizedAccessException" on
    /// its setup mark, exit 1). Refused in the artifacts root's words now, before the data is read.
    /// </summary>
    [Fact]
    public async Task ANewRunOverAReadOnlyEarlierRunsArtifactsNamesTheOptionToGive()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        OpenAllBut(artifacts);

        var run = await RunUnprivilegedAsync("train", "--data", tiny.TrainCsv, "--base", tiny.BaseModel, "--min-steps", "0", "--output", _work.Combine("models", "m"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: artifacts directory {Path.Combine("artifacts", "m")} (--artifacts-root): "
            + $"cannot write in '{artifacts}' (permission denied); give --artifacts-root a folder you can write in", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Reading ", run.Output);
    }

    /// <summary>
    /// A new run into an earlier run's artifacts whose folder is writable but whose <c>checkpoint/</c> is not: replacing
    /// the earlier run deletes that folder file by file, which failed once the graphs were built ("internal error:
    /// UnauthorizedAccessException: Access to the path '…/checkpoint/properties.json' is denied.", exit 1), with the
    /// earlier run left marked as being set up, no longer resumable. Refused under the run's claim, before it builds.
    /// </summary>
    [Fact]
    public async Task ANewRunOverAnEarlierRunWithAReadOnlyCheckpointFolderIsRefusedBeforeBuilding()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        var checkpoint = Path.Combine(artifacts, "checkpoint");
        OpenAllBut(checkpoint);

        var run = await RunUnprivilegedAsync("train", "--data", tiny.TrainCsv, "--base", tiny.BaseModel, "--min-steps", "0", "--output", _work.Combine("models", "m"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: artifacts directory {Path.Combine("artifacts", "m")}: cannot write in '{checkpoint}' (permission denied); "
            + "a new run there replaces the earlier run's files: make it writable, or give this run another --output (the artifacts are named after it)",
            Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Building ", run.Output);
    }

    /// <summary>
    /// A stopped run in a folder with the sticky bit (chmod +t), its files another user's: the write probe passes there,
    /// but only a file's owner may rename over it, and a resume replaces its records, log and checkpoint. It read the
    /// data and then failed at its first record ("internal error: UnauthorizedAccessException: Access to the path
    /// '…/output.txt' is denied.", exit 1). A read-only file in a folder without the bit is no such case: the rename
    /// replaces it (a resume with every file mode 444 and root's, tried by hand, trains and exports).
    /// </summary>
    [Fact]
    public async Task TrainResumeInAStickyRunFolderOfAnotherUsersFilesIsRefusedInOneLine()
    {
        var stopped = await CliRun.RunCancelledOnAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0"), "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        OpenAllBut(artifacts);
        File.SetUnixFileMode(artifacts, Open | UnixFileMode.StickyBit);

        var run = await RunUnprivilegedAsync("train", "--resume", artifacts);

        Assert.True(run.ExitCode == 2, run.ToString());
        // The files are named as the folder lists them, in no set order.
        Assert.StartsWith($"error: --resume {artifacts}: cannot write in '{artifacts}' (it is sticky, and holds files of another user that only their owner may replace: '",
            Assert.Single(run.ErrorLines));
        Assert.Contains("'checkpoint', ", run.ErrorLines[0]);
        Assert.EndsWith("; a resumed run writes its checkpoints and records there: make it writable, then resume", run.ErrorLines[0]);
        Assert.DoesNotContain("Reading ", run.Output);
    }

    private static string CannotWrite(string artifacts, string folder) =>
        $"error: --resume {artifacts}: cannot write in '{folder}' (permission denied); a resumed run writes its checkpoints and records there: make it writable, then resume";

    [Fact]
    public async Task ArtifactsOutputInAReadOnlyFolderNamesOutput()
    {
        Directory.CreateDirectory(_work.Combine("ro"));
        OpenAllBut(_work.Combine("ro"));
        var output = _work.Combine("ro", "a");

        var run = await RunUnprivilegedAsync("artifacts", "--base", tiny.BaseModel, "--labels", "negative", "positive", "--output", output);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --output {output}: cannot create its lock file '{_work.Combine("ro", ".a.lock")}' (permission denied)",
            Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task APlainTrainInAReadOnlyDefaultArtifactsRootNamesTheOptionToGive()
    {
        Directory.CreateDirectory(_work.Combine("artifacts"));
        OpenAllBut(_work.Combine("artifacts"));

        var run = await RunUnprivilegedAsync("train", "--data", tiny.TrainCsv, "--base", tiny.BaseModel, "--min-steps", "0", "--output", "m");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: artifacts directory {Path.Combine("artifacts", "m")} (--artifacts-root): "
            + $"cannot write in '{_work.Combine("artifacts")}' (permission denied); give --artifacts-root a folder you can write in",
            Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task AReadOnlyArtifactsRootGivenOnTheCommandLineIsNamedWithTheOptionToGive()
    {
        Directory.CreateDirectory(_work.Combine("ro"));
        OpenAllBut(_work.Combine("ro"));

        var run = await RunUnprivilegedAsync("train", "--data", tiny.TrainCsv, "--base", tiny.BaseModel, "--min-steps", "0", "--output", "m",
            "--artifacts-root", "ro");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: artifacts directory {Path.Combine("ro", "m")} (--artifacts-root): "
            + $"cannot write in '{_work.Combine("ro")}' (permission denied); give --artifacts-root a folder you can write in",
            Assert.Single(run.ErrorLines));
    }

    private void OpenAllBut(string readOnly)
    {
        Directory.CreateDirectory(_work.Combine("home"));
        File.SetUnixFileMode(_work.Path, Open);
        foreach (var directory in Directory.EnumerateDirectories(_work.Path, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(directory, Open);
        File.SetUnixFileMode(readOnly, ReadOnly);
    }

    private async Task<CliRun> RunUnprivilegedAsync(params string[] args)
    {
        var before = TreeSnapshot.Take(_work.Path);
        var run = await new OrtAgentProcess
        {
            WorkingDirectory = _work.Path,
            // The roots as a user who set none has them: appsettings.json's, relative to the working directory.
            Environment = { ["HOME"] = _work.Combine("home"), ["ORTAGENT_ARTIFACTS__ROOT"] = null, ["ORTAGENT_MODELS__ROOT"] = null },
            Unprivileged = true,
        }.RunAsync(args);
        // Nothing written. ONNX Runtime keeps a device id under ~/.cache/Microsoft (not OrtAgent's doing).
        Assert.Equal(before, TreeSnapshot.Take(_work.Path, except: Path.Combine("home", ".cache")));
        return run;
    }
}
