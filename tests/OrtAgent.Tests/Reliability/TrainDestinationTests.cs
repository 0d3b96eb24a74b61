using OrtAgent.FineTuning;
using OrtAgent.Onnx;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// Destinations <c>train</c> must refuse before reading any data: exit 2, one line naming the option and the reason,
/// and not one byte written or removed anywhere under the work folder. Each case runs ortagent as a child process with
/// its own working and home directories (so "." and "~" point into the work folder, never at the test host's), and the
/// permission cases as an unprivileged user, since root writes anywhere.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TrainDestinationTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        foreach (var directory in Directory.EnumerateDirectories(_work.Path, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        _work.Dispose();
    }

    public static TheoryData<string> Cases =>
    [
        "a directory of the user's files", "an existing file", "below a file", "the current directory",
        "an ancestor of the current directory", "the home directory", "someone else's model.onnx",
        "an OrtAgent model plus a user's file", "--promote-to a file", "--promote-to a corrupt model",
        "--promote-to a corrupt model OrtAgent wrote", "--output in a directory the user cannot write",
        "--promote-to in a directory the user cannot write", "--promote-to the same directory as --output",
        "--promote-to a link to --output",
        "an artifacts directory of the user's files", "--promote-to a model that cannot be loaded",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RefusedBeforeTrainingWithOneLineAndNothingWrittenOrLost(string name)
    {
        var (extra, expected, unprivileged) = Arrange(name);
        // A home the child can write, or ONNX Runtime warns on stderr that it cannot keep its device id there.
        File.SetUnixFileMode(_work.Combine("home"), (UnixFileMode)0b111_111_111);
        var before = TreeSnapshot.Take(_work.Path);

        var run = await new OrtAgentProcess
        {
            WorkingDirectory = _work.Combine("cwd"),
            Environment = { ["HOME"] = _work.Combine("home") },
            Unprivileged = unprivileged,
        }.RunAsync(tiny.TrainArgs(_work.Path, extra));

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("Reading ", run.Output);
        // ONNX Runtime keeps a device id under ~/.cache/Microsoft (not OrtAgent's doing; the privacy work turns it off).
        Assert.Equal(before, TreeSnapshot.Take(_work.Path, except: Path.Combine("home", ".cache")));
    }

    /// <summary>Builds the case's files under the work folder; returns the options and a fragment of the expected error.</summary>
    private (string[] Extra, string Expected, bool Unprivileged) Arrange(string name)
    {
        Directory.CreateDirectory(_work.Combine("cwd"));
        File.WriteAllText(_work.Combine("cwd", "data.csv"), "text,label\nmine,a\n");
        Directory.CreateDirectory(_work.Combine("home"));
        File.WriteAllText(_work.Combine("home", ".bashrc"), "# mine\n");
        switch (name)
        {
            case "a directory of the user's files":
                Write("docs/thesis.txt", "keep");
                return (["--output", _work.Combine("docs")], "holds files OrtAgent did not write ('thesis.txt')", false);
            case "an existing file":
                Write("out.txt", "keep");
                return (["--output", _work.Combine("out.txt")], "is a file, not a directory", false);
            case "below a file":
                Write("out.txt", "keep");
                return (["--output", _work.Combine("out.txt", "m")], "is a file, not a directory", false);
            case "the current directory":
                return (["--output", "."], "--output .: is the current directory", false);
            case "an ancestor of the current directory":
                return (["--output", ".."], "--output ..: is an ancestor of the current directory", false);
            case "the home directory":
                return (["--output", _work.Combine("home")], "is the home directory", false);
            case "someone else's model.onnx":
                File.Copy(Path.Combine(tiny.BaseModel, "model.onnx"), Write("bert/model.onnx", ""), overwrite: true);
                Write("bert/vocab.txt", "[PAD]\n");
                return (["--output", _work.Combine("bert")], "is not an exported OrtAgent model", false);
            case "an OrtAgent model plus a user's file":
                WriteEarlierExport("prod");
                Write("prod/notes.txt", "keep");
                return (["--output", _work.Combine("prod")], "holds files OrtAgent did not write ('notes.txt')", false);
            case "--promote-to a file":
                Write("prod.txt", "keep");
                return (["--promote-to", _work.Combine("prod.txt")], "--promote-to " + _work.Combine("prod.txt") + ": is a file", false);
            case "--promote-to a corrupt model":
                Write("prod/model.onnx", "not a model");
                return (["--promote-to", _work.Combine("prod")], "is not an exported OrtAgent model", false);
            case "--promote-to a corrupt model OrtAgent wrote":
                Write("prod/model.onnx", "not a model");
                Write("prod/.ortagent-files.json", """{"written_by":"OrtAgent","files":["model.onnx"]}""");
                return (["--promote-to", _work.Combine("prod")], "is not an ONNX model", false);
            case "--output in a directory the user cannot write":
                Directory.CreateDirectory(_work.Combine("locked"));
                File.SetUnixFileMode(_work.Combine("locked"), (UnixFileMode)0b101_101_101);
                return (["--output", _work.Combine("locked", "m")], "cannot write in", true);
            case "--promote-to in a directory the user cannot write":
                Directory.CreateDirectory(_work.Combine("locked"));
                File.SetUnixFileMode(_work.Combine("locked"), (UnixFileMode)0b101_101_101);
                Directory.CreateDirectory(_work.Combine("open"));
                File.SetUnixFileMode(_work.Combine("open"), (UnixFileMode)0b111_111_111);
                // The artifacts go where the unprivileged child can write too, or that check refuses the run first.
                return (["--output", _work.Combine("open", "m"), "--artifacts-root", _work.Combine("open", "artifacts"), "--promote-to", _work.Combine("locked", "prod")],
                    "--promote-to " + _work.Combine("locked", "prod") + ": cannot write in", true);
            case "--promote-to the same directory as --output":
                return (["--output", _work.Combine("m"), "--promote-to", _work.Combine("m")], "must be a different directory from --output", false);
            case "--promote-to a link to --output":
                // By name they differ, so the check that compared names let the promotion replace the export it came from.
                Directory.CreateDirectory(_work.Combine("m"));
                Directory.CreateSymbolicLink(_work.Combine("prod"), _work.Combine("m"));
                return (["--output", _work.Combine("m"), "--promote-to", _work.Combine("prod")], "must be a different directory from --output", false);
            case "--promote-to a model that cannot be loaded":
                // Its metadata reads, but it has no vocab.txt: promotion, which scores it, would fail only after training.
                WriteEarlierExport("prod");
                var model = OnnxModel.Load(_work.Combine("prod", "model.onnx"));
                model.Metadata["ortagent.format"] = "1";
                model.Metadata["ortagent.max_length"] = "32";
                model.Metadata["ortagent.lower_case"] = "true";
                model.Save(_work.Combine("prod", "model.onnx"));
                File.Delete(_work.Combine("prod", "vocab.txt"));
                return (["--promote-to", _work.Combine("prod")],
                    "no vocab.txt beside model.onnx; the model there cannot be scored to compare with, so remove it to promote into the directory", false);
            case "an artifacts directory of the user's files":
                Write("art/m/thesis.txt", "keep");
                return (["--artifacts-root", _work.Combine("art")], "holds files that are not training artifacts ('thesis.txt')", false);
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such case");
        }
    }

    /// <summary>
    /// Two runs into the same artifacts would each export weights the other saved. The second reads and checks its data
    /// (so a mistake in it is reported first), then is refused at its first write, adding nothing.
    /// </summary>
    [Fact]
    public async Task ArtifactsAnotherRunIsTrainingInAreRefusedAtTheFirstWrite()
    {
        // The claim a running train holds on its artifacts (taken as it starts to build them): the same lock, taken by
        // this test process.
        using var otherRun = TrainingDestinations.ClaimArtifacts(_work.Combine("artifacts", "m"));
        var before = TreeSnapshot.Take(_work.Path);

        var run = await new OrtAgentProcess { WorkingDirectory = _work.Path }.RunAsync(tiny.TrainArgs(_work.Path));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: artifacts directory {_work.Combine("artifacts", "m")}: another OrtAgent process is using it (a run training there, or an export reading it); wait for that process to finish, or give this run another --output (the artifacts are named after it)",
            Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Building training graphs", run.Output);
        Assert.Equal(before, TreeSnapshot.Take(_work.Path, except: Path.Combine("home", ".cache")));
    }

    /// <summary>
    /// Two runs exporting to one --output with their own artifacts (another --artifacts-root): the artifacts claim kept
    /// them apart only when they shared artifacts, so the second ran and its export replaced the first's model. The
    /// output is claimed as distill and the facade claim it; the claim here is the one a first run holds while it runs.
    /// </summary>
    [Fact]
    public async Task ASecondTrainExportingWhereAnotherRunExportsIsRefusedInOneLine()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var output = _work.Combine("models", "m");
        // A run lets go of its output when it ends.
        Assert.False(File.Exists(Training.Checkpoints.ProcessLock.FileBeside(output)));
        using var firstRun = TrainingDestinations.ClaimOutput(output);
        var before = TreeSnapshot.Take(_work.Path);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--artifacts-root", _work.Combine("elsewhere")));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --output {output}: another run (train, distill, export or a fine-tuning job) is writing to it, in this process or another; " +
            "wait for that run to end, or write to another directory", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Building training graphs", run.Output);
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));
        Assert.False(Directory.Exists(_work.Combine("elsewhere")));
    }

    /// <summary>
    /// export took no lock on its --output: an export into the folder a train was exporting to ran, and the last writer's
    /// model stood. It now holds the lock train and distill hold, and is refused while another run holds it.
    /// </summary>
    [Fact]
    public async Task AnExportWhereAnotherRunExportsIsRefusedInOneLine()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var output = _work.Combine("models", "m");
        using var otherRun = TrainingDestinations.ClaimOutput(output);
        var before = TreeSnapshot.Take(_work.Path);

        var run = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", output]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --output {output}: another run (train, distill, export or a fine-tuning job) is writing to it, in this process or another; " +
            "wait for that run to end, or write to another directory", Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));
        otherRun.Dispose();
        var again = await CliRun.RunAsync(["export", "--checkpoint", _work.Combine("artifacts", "m"), "--output", output]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.False(File.Exists(Training.Checkpoints.ProcessLock.FileBeside(output)));
    }

    /// <summary>
    /// A resume claims its run before opening it (opening may recover the run's last save), and a resume of a run another
    /// process holds was refused as busy before its own options were looked at: a user who waited and tried again met
    /// the mistake only then. A value or data file wrong in itself is named first, with nothing written; what is
    /// compared with the run itself waits for the claim.
    /// </summary>
    [Theory]
    [InlineData("--data", "missing.csv", "{0}: file not found")]
    [InlineData("--validation", "missing.csv", "{0}: file not found")]
    [InlineData("--validation", "train.csv", "--validation {0}: is the training data itself, so the model would be chosen on texts it trained on; leave --validation out to hold out 10% of the data")]
    [InlineData("--head-c", "-1", "--head-c -1: must be a positive number; see 'ortagent train --help'")]
    [InlineData("--contrastive-epochs", "0", "--contrastive-epochs 0: must be at least 1; see 'ortagent train --help'")]
    public async Task AResumeOfABusyRunNamesTheCommandsOwnMistakeFirst(string option, string value, string message)
    {
        var artifacts = _work.Combine("artifacts", "m");
        Directory.CreateDirectory(artifacts);
        var path = value.EndsWith(".csv", StringComparison.Ordinal) ? (value == "train.csv" ? tiny.TrainCsv : _work.Combine(value)) : value;
        using var otherRun = TrainingDestinations.ClaimArtifacts(artifacts);
        var before = TreeSnapshot.Take(_work.Path);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts, option, path));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, message, path), Assert.Single(run.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));

        // Given nothing wrong in itself, the resume is refused as busy, as before.
        var busy = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--resume", artifacts));
        Assert.Equal($"error: artifacts directory {artifacts}: another OrtAgent process is using it (a run training there, or an export reading it); wait for that process to finish before resuming it", Assert.Single(busy.ErrorLines));
    }

    /// <summary>
    /// A library caller's <see cref="Training.Trainer.TrainingSession"/> and a train run claim the same lock: while the
    /// session trains in the artifacts, the run is refused in its own words; while the run's claim is held, the session is.
    /// </summary>
    [Fact]
    public async Task ALibrarySessionAndATrainRunExcludeEachOtherFromOneArtifactsDirectory()
    {
        var artifactsDirectory = _work.Combine("artifacts", "m");
        var artifacts = Training.Artifacts.TrainingArtifacts.Generate(
            new Training.Artifacts.TrainingArtifactsOptions { BaseModel = tiny.BaseModel, Labels = ["negative", "positive"] }, artifactsDirectory);
        using (Training.Trainer.TrainingSession.Create(artifacts, new Runtime.OrtSessionSettings()))
        {
            var run = await new OrtAgentProcess { WorkingDirectory = _work.Path }.RunAsync(tiny.TrainArgs(_work.Path));
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal($"error: artifacts directory {artifactsDirectory}: another OrtAgent process is using it (a run training there, or an export reading it); wait for that process to finish, or give this run another --output (the artifacts are named after it)",
                Assert.Single(run.ErrorLines));
        }

        using (TrainingDestinations.ClaimArtifacts(artifactsDirectory))
        {
            var refused = Assert.Throws<UserInputException>(() => Training.Trainer.TrainingSession.Create(artifacts, new Runtime.OrtSessionSettings()));
            Assert.StartsWith($"artifacts directory {artifactsDirectory}: another training session is using it", refused.Message);
        }
    }

    [Fact]
    public async Task RetrainingReplacesItsOwnExportAndAnEarlierVersionsButNotAUsersFile()
    {
        var output = _work.Combine("models", "m");
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var manifest = File.ReadAllText(Path.Combine(output, ".ortagent-files.json"));
        Assert.Contains("\"model.onnx\"", manifest);

        File.Delete(Path.Combine(output, ".ortagent-files.json"));   // as an OrtAgent without manifests left it
        var second = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--seed", "7"));
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.True(File.Exists(Path.Combine(output, ".ortagent-files.json")));

        File.WriteAllText(Path.Combine(output, "notes.txt"), "keep");
        var before = TreeSnapshot.Take(_work.Path);
        var third = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.Equal(2, third.ExitCode);
        Assert.Contains("holds files OrtAgent did not write ('notes.txt')", Assert.Single(third.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(_work.Path));
    }

    [Fact]
    public async Task PromotionKeepsTheDirectorysModeAndOwner()
    {
        var promoteTo = _work.Combine("srv", "model");
        Directory.CreateDirectory(promoteTo);
        var mode = (UnixFileMode)0b111_101_000;
        File.SetUnixFileMode(promoteTo, mode);
        if (OrtAgentProcess.RunningAsRoot) ChangeOwner(promoteTo, OrtAgentProcess.UnprivilegedId);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--promote-to", promoteTo));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(Path.Combine(promoteTo, "model.onnx")));
        Assert.Equal(mode, File.GetUnixFileMode(promoteTo));
        if (OrtAgentProcess.RunningAsRoot)
        {
            Assert.Equal(OrtAgentProcess.UnprivilegedId.ToString(), Owner(promoteTo));
            Assert.Equal(OrtAgentProcess.UnprivilegedId.ToString(), Owner(Path.Combine(promoteTo, "model.onnx")));
        }
        Assert.Equal(["model"], Directory.GetFileSystemEntries(_work.Combine("srv")).Select(Path.GetFileName));
    }

    private static void ChangeOwner(string path, int id) =>
        RunTool("chown", $"{id}:{id}", path);

    private static string Owner(string path) => RunTool("stat", "-c", "%u", path).Trim();

    private static string RunTool(string tool, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    /// <summary>An export as OrtAgent wrote it before manifests: model.onnx with ortagent metadata, and its vocabulary.</summary>
    private void WriteEarlierExport(string directory)
    {
        var model = OnnxModel.Load(Path.Combine(tiny.BaseModel, "model.onnx"));
        model.Metadata["ortagent.labels"] = """["negative","positive"]""";
        Directory.CreateDirectory(_work.Combine(directory));
        model.Save(_work.Combine(directory, "model.onnx"));
        File.Copy(Path.Combine(tiny.BaseModel, "vocab.txt"), _work.Combine(directory, "vocab.txt"));
    }

    private string Write(string relative, string text)
    {
        var path = _work.Combine(relative.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
