using OrtAgent.Distillation;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// Every user mistake on <c>distill</c>: bad values, a missing or unusable teacher or data, an output where it may not
/// go, artifacts another run holds or another command wrote: one stderr line naming it, exit code 2, nothing written.
/// </summary>
public sealed class DistillBadInputTests(DistillTeacherFixture teacher) : IClassFixture<DistillTeacherFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private async Task AssertUserError(string expectedInMessage, params string[] extra)
    {
        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, extra));
        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expectedInMessage, line);
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

    [Theory]
    [InlineData("--layers", "4", "--layers 4: must be at least 1 and below the teacher's 4 layers")]
    [InlineData("--layers", "7", "--layers 7: must be at least 1 and below the teacher's 4 layers")]
    [InlineData("--layers", "0", "--layers 0: must be at least 1")]
    [InlineData("--temperature", "0", "--temperature 0: must be above 0")]
    [InlineData("--temperature", "-2", "--temperature -2: must be above 0")]
    [InlineData("--alpha", "1.5", "--alpha 1.5: must be between 0 and 1")]
    [InlineData("--alpha", "-0.1", "--alpha -0.1: must be between 0 and 1")]
    // 'inf' is the infinity it means, refused in the words of the range, as 'Infinity' and 'NaN' are.
    [InlineData("--temperature", "inf", "--temperature Infinity: must be above 0")]
    [InlineData("--alpha", "nan", "--alpha NaN: must be between 0 and 1")]
    [InlineData("--weight-decay", "-inf", "--weight-decay -Infinity: must be 0 or positive")]
    [InlineData("--epochs", "0", "--epochs 0: must be at least 1")]
    [InlineData("--max-length", "4", "--max-length 4: must be between 8 and 512")]
    [InlineData("--threads", "-1", "--threads -1: must be 0 (automatic) to 1024")]
    [InlineData("--threads", "99999", "--threads 99999: must be 0 (automatic) to 1024")]
    public Task BadValues(string flag, string value, string message) => AssertUserError(message, flag, value);

    [Fact]
    public async Task ArtifactsAnotherRunIsTrainingInAreRefusedBeforeTheTeacherRuns()
    {
        var artifacts = _work.Combine("elsewhere", "student");
        using var otherRun = OrtAgent.FineTuning.TrainingDestinations.ClaimArtifacts(artifacts);

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--artifacts-root", _work.Combine("elsewhere")));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: artifacts directory {artifacts}: another OrtAgent process is using it (a run training there, or an export reading it); wait for that process to finish, or give this run another --output (the artifacts are named after it)",
            Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Running the teacher", run.Output);
        Assert.False(Directory.Exists(artifacts));
        Assert.False(Directory.Exists(_work.Combine("models")));
    }

    /// <summary>
    /// Two distills exporting to one --output with their own artifacts (another --artifacts-root): the artifacts claim
    /// kept them apart only when they shared artifacts, so the second ran and its student replaced the first's. The
    /// output is claimed as the facade claims it; the claim here is the one a first distill holds while it runs.
    /// </summary>
    [Fact]
    public async Task ASecondDistillExportingWhereAnotherRunExportsIsRefusedInOneLine()
    {
        Assert.Equal(0, (await CliRun.RunAsync(teacher.DistillArgs(_work.Path))).ExitCode);
        var student = _work.Combine("models", "student");
        using var firstRun = OrtAgent.FineTuning.TrainingDestinations.ClaimOutput(student);
        var before = Snapshot(_work.Path);

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--artifacts-root", _work.Combine("elsewhere")));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --output {student}: another run (train, distill, export or a fine-tuning job) is writing to it, in this process or another; " +
            "wait for that run to end, or write to another directory", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Running the teacher", run.Output);
        Assert.Equal(before, Snapshot(_work.Path));
        Assert.False(Directory.Exists(_work.Combine("elsewhere")));
    }

    /// <summary>
    /// Opening a run recovers a checkpoint save cut short (checkpoint.old back to checkpoint), a write that would undo
    /// the save of a run still going: --resume claims the artifacts first, so a resume refused because another run holds
    /// them leaves checkpoint.old where it is.
    /// </summary>
    [Fact]
    public async Task AResumeRefusedWhileAnotherRunHoldsTheArtifactsLeavesACheckpointSaveCutShortAlone()
    {
        var first = await CliRun.RunAsync(teacher.DistillArgs(_work.Path));
        Assert.True(first.ExitCode == 0, first.ToString());
        var artifacts = _work.Combine("artifacts", "student");
        var checkpoint = Path.Combine(artifacts, "checkpoint");
        Directory.Move(checkpoint, checkpoint + ".old");   // as a kill between the save's two renames leaves it

        using (OrtAgent.FineTuning.TrainingDestinations.ClaimArtifacts(artifacts))
        {
            var refused = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts));
            Assert.True(refused.ExitCode == 2, refused.ToString());
            Assert.Equal($"error: artifacts directory {artifacts}: another OrtAgent process is using it (a run training there, or an export reading it); wait for that process to finish before resuming it", Assert.Single(refused.ErrorLines));
            Assert.True(Directory.Exists(checkpoint + ".old"));
            Assert.False(Directory.Exists(checkpoint));
        }
    }

    /// <summary>
    /// A resume claims its run before opening it, and a resume of a run another process holds was refused as busy before
    /// its data files were looked at: a file wrong in itself is named first, as train's is (after the artifacts, read
    /// without the claim: a distillation's).
    /// </summary>
    [Fact]
    public async Task AResumeOfABusyRunNamesAMissingDataFileFirst()
    {
        Assert.Equal(0, (await CliRun.RunAsync(teacher.DistillArgs(_work.Path))).ExitCode);
        var artifacts = _work.Combine("artifacts", "student");
        var missing = _work.Combine("missing.csv");
        using var otherRun = OrtAgent.FineTuning.TrainingDestinations.ClaimArtifacts(artifacts);
        var before = Snapshot(_work.Path);

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts, "--data", missing));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {missing}: file not found", Assert.Single(run.ErrorLines));
        Assert.Equal(before, Snapshot(_work.Path));
    }

    /// <summary>
    /// A distill killed while it built its student leaves the setup marker and no record of its teacher: --resume said
    /// --teacher was required; it says what train --resume says of such a run.
    /// </summary>
    [Fact]
    public async Task AResumeOfARunStoppedDuringItsSetupSaysToStartAgain()
    {
        var artifacts = _work.Combine("artifacts", "s4");
        Directory.CreateDirectory(Path.Combine(artifacts, "checkpoint.next"));
        File.WriteAllText(Path.Combine(artifacts, OrtAgent.Training.Artifacts.TrainingArtifacts.SetupMarkerFile), "");

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts, "--output", null!, "--teacher", null!, "--layers", null!));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: '{artifacts}': the run there was stopped while it was being set up, before its first step, so there is nothing to resume or export; "
            + "start the run again rather than resuming it", Assert.Single(run.ErrorLines));
        // Nor has a directory that is not there: it is named as train --resume names it.
        var missing = _work.Combine("artifacts", "typo");
        var typo = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", missing, "--output", null!, "--teacher", null!, "--layers", null!));
        Assert.True(typo.ExitCode == 2, typo.ToString());
        Assert.Equal($"error: training artifacts directory '{missing}' does not exist", Assert.Single(typo.ErrorLines));
    }

    /// <summary>
    /// <c>distill --resume</c> of a train run's artifacts: the run was judged last, so each try was refused for what the
    /// run could not give (--teacher, then --layers, then the --output it records, the teacher itself) before the
    /// artifacts were said not to be a distillation's. They are judged first, whatever else is given.
    /// </summary>
    [Fact]
    public async Task AResumeOfATrainRunsArtifactsIsRefusedAsThatFirst()
    {
        var trainRun = Path.Combine(teacher.Root, "artifacts", "teacher");
        var before = Snapshot(trainRun);
        string[][] tries =
        [
            ["--teacher", null!, "--layers", null!, "--output", null!],
            ["--layers", null!, "--output", null!],
            ["--output", null!],
            [],
        ];
        foreach (var given in tries)
        {
            var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, ["--resume", trainRun, .. given]));
            Assert.True(run.ExitCode == 2, run.ToString());
            // It named the loss ('ce'), an internal name, and not the command that continues the run.
            Assert.Equal($"error: --resume {trainRun}: these artifacts are a fine-tuning run's, not a distillation's; continue them with train --resume {trainRun}",
                Assert.Single(run.ErrorLines));
        }
        Assert.Equal(before, Snapshot(trainRun));
        Assert.Empty(Directory.GetFileSystemEntries(_work.Path));
    }

    /// <summary>
    /// <c>distill --resume</c> of artifacts generated with the distillation loss (<c>ortagent artifacts --loss kd</c>):
    /// they have no student, only the base model as it is, yet were taken for a distillation from before the student
    /// record, trained as the whole base (exit 0) and exported with a card naming the layers asked for. Refused first, and
    /// train names them for what they are (it called them a student's, made by distill).
    /// </summary>
    [Fact]
    public async Task AResumeOfArtifactsGeneratedWithTheDistillationLossIsRefused()
    {
        var baseModel = Path.Combine(teacher.Root, "tiny-base-4");
        var generated = _work.Combine("generated", "kd");
        Assert.Equal(0, (await CliRun.RunAsync(["artifacts", "--base", baseModel, "--labels", "negative", "positive", "--loss", "kd", "--output", generated])).ExitCode);
        var before = Snapshot(generated);

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", generated));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --resume {generated}: these artifacts hold no student cut from a teacher: they have the distillation loss (kd) on the base model "
            + $"{baseModel} itself and no student.txt, as 'ortagent artifacts --loss kd' writes them, and only a run a distillation began can be resumed",
            Assert.Single(run.ErrorLines));
        Assert.Equal(before, Snapshot(generated));
        Assert.Equal([_work.Combine("generated")], Directory.GetFileSystemEntries(_work.Path));
    }

    private static string[] Snapshot(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f).Ticks}").ToArray();

    /// <summary>A teacher typed as "." or "../x/.." puts its default student beside the folder it names, not inside it.</summary>
    [Fact]
    public void ADefaultOutputForATeacherTypedWithDotsGoesBesideTheFolderItNames()
    {
        string teacher = Path.Combine(_work.Path, "teacher");
        Assert.Equal(teacher + "-small", new DistillJobOptions { Teacher = Path.Combine(teacher, ".") }.ResolveOutputDirectory());
        Assert.Equal(teacher + "-small", new DistillJobOptions { Teacher = Path.Combine(teacher, "sub", "..") + "/" }.ResolveOutputDirectory());
        Assert.Equal("models/teacher-small", new DistillJobOptions { Teacher = "models/teacher/" }.ResolveOutputDirectory());
    }

    /// <summary>
    /// Without --output the student goes to the teacher's folder name plus '-small', which can pass the 255 bytes a name
    /// may have: that was refused as '--output …', an option the user never typed.
    /// </summary>
    [Fact]
    public async Task ADefaultOutputNameTooLongIsRefusedAsTheDefaultWithNothingWritten()
    {
        var longTeacher = _work.Combine(new string('t', 250));
        Directory.CreateDirectory(longTeacher);
        foreach (var file in Directory.GetFiles(teacher.Teacher)) File.Copy(file, Path.Combine(longTeacher, Path.GetFileName(file)));
        var before = Directory.GetFileSystemEntries(_work.Path, "*", SearchOption.AllDirectories).Order().ToArray();

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--teacher", longTeacher, "--output", null!));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: the default output {longTeacher}-small, the teacher's folder name with '-small' added, would be a name of 256 bytes (in UTF-8), "
            + "and a file system takes at most 255; pass --output to say where the student goes", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Running the teacher", run.Output);
        Assert.Equal(before, Directory.GetFileSystemEntries(_work.Path, "*", SearchOption.AllDirectories).Order().ToArray());
    }

    /// <summary>
    /// An --output inside the teacher's directory, or holding it: distill's own rule refused only the teacher itself, and
    /// these were refused later by the destination checks, in words other than the facade's ('is inside …', 'holds files
    /// …'). The facade's rule refuses both, first, in its words.
    /// </summary>
    [Theory]
    [InlineData("student")]
    [InlineData("..")]
    public async Task AnOutputInsideOrAroundTheTeacherIsRefusedInOneLine(string relative)
    {
        var output = Path.GetFullPath(Path.Combine(teacher.Teacher, relative));
        var before = Snapshot(teacher.Teacher);

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--output", output));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --output {output}: is the teacher, or a directory holding or held by it; export the student elsewhere", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Running the teacher", run.Output);
        Assert.Equal(before, Snapshot(teacher.Teacher));
        Assert.Empty(Directory.GetFileSystemEntries(_work.Path));
    }

    /// <summary>
    /// An output inside the run's own artifacts directory (artifacts/student/student, whose artifacts are
    /// artifacts/student) was refused late, blaming the output's own lock file as a file that is not training artifacts.
    /// </summary>
    [Fact]
    public Task AnOutputInsideTheRunsArtifactsIsRefusedNamingBoth()
    {
        string output = _work.Combine("artifacts", "student", "student");
        return AssertUserError($"error: --output {output}: must be outside the artifacts directory {_work.Combine("artifacts", "student")} (--artifacts-root)",
            "--output", output);
    }

    [Fact]
    public Task MissingTeacher() => AssertUserError("does not exist", "--teacher", _work.Combine("no-such-model"));

    /// <summary>Required for a new run; a resumed run reads both from its artifacts (the first test resumes without them).</summary>
    [Theory]
    [InlineData("--teacher", "--teacher is required: the fine-tuned model to distil (models/NAME)")]
    [InlineData("--layers", "--layers is required: how many encoder layers the student keeps")]
    public Task ARequiredOptionLeftOut(string flag, string message) => AssertUserError(message, flag, null!);

    /// <summary>A teacher folder without model.onnx, and no run's artifacts, was refused naming the folder but not --teacher, as the other teacher refusals do.</summary>
    [Fact]
    public Task TeacherThatIsNotAModelNamesTheFlag()
    {
        Directory.CreateDirectory(_work.Combine("empty"));
        return AssertUserError($"error: --teacher '{_work.Combine("empty")}': no model.onnx in the model directory", "--teacher", _work.Combine("empty"));
    }

    /// <summary>A run's artifacts as the teacher (where its training wrote) said only that the teacher has no model.onnx.</summary>
    [Fact]
    public Task TeacherThatIsARunsArtifacts()
    {
        var artifacts = _work.Combine("runs", "m1");
        Directory.CreateDirectory(Path.Combine(artifacts, "checkpoint"));
        File.WriteAllText(Path.Combine(artifacts, "checkpoint", "properties.json"), "{}");
        return AssertUserError($"error: --teacher '{artifacts}': no model.onnx in the model directory: this is a training run's artifacts, not a model; "
            + $"export a model from it with: ortagent export --checkpoint {artifacts} --output MODEL", "--teacher", artifacts);
    }

    /// <summary>A teacher that is missing or a file said "teacher model '…' does not exist" (or "is a file"), never naming --teacher.</summary>
    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("a file", "is a file; a model folder is expected (one holding model.onnx, vocab.txt and the rest of an exported model)")]
    public Task ATeacherThatIsNoDirectoryNamesTheFlag(string mistake, string problem)
    {
        string given = _work.Combine(mistake == "missing" ? "nope" : "teacher.txt");
        if (mistake == "a file") File.WriteAllText(given, "not a model");
        return AssertUserError($"error: --teacher '{given}': {problem}", "--teacher", given);
    }

    /// <summary>--teacher /dev/null said the device "is a file; a model folder is expected".</summary>
    [LinuxFact("statx tells a character device from a regular file")]
    public Task ATeacherThatIsADeviceIsSaidToBeOne() => AssertUserError(
        "error: --teacher '/dev/null': is not a directory (a character device); a model folder is expected", "--teacher", "/dev/null");

    /// <summary>A teacher whose model.onnx or vocab.txt is a named pipe was read, and distill waited with nothing said; one Ctrl+C did not end it.</summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData("model.onnx")]
    [InlineData("vocab.txt")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ATeacherFileThatIsAFifoIsRefusedAtOnce(string file)
    {
        var fifoTeacher = _work.Combine("fifo-teacher");
        Directory.CreateDirectory(fifoTeacher);
        foreach (var copied in new[] { "model.onnx", "vocab.txt", "README.md" }.Where(f => f != file && File.Exists(Path.Combine(teacher.Teacher, f))))
            File.Copy(Path.Combine(teacher.Teacher, copied), Path.Combine(fifoTeacher, copied));
        using var fifo = NotARegularFile.Create(Path.Combine(fifoTeacher, file), NotARegularFile.Fifo);
        await Task.Run(() => AssertUserError($"error: --teacher '{fifoTeacher}': its {file} is not a regular file (a FIFO); a model's {file} is a file", "--teacher", fifoTeacher))
            .WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>A teacher whose model card (README.md, read for the data it records) is a named pipe: distill waited with nothing said.</summary>
    [LinuxFact("statx tells a FIFO from a regular file")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ATeacherCardThatIsAFifoIsRefusedAtOnce()
    {
        var fifoTeacher = _work.Combine("fifo-card-teacher");
        Directory.CreateDirectory(fifoTeacher);
        foreach (var file in new[] { "model.onnx", "vocab.txt" }) File.Copy(Path.Combine(teacher.Teacher, file), Path.Combine(fifoTeacher, file));
        using var fifo = NotARegularFile.Create(Path.Combine(fifoTeacher, "README.md"), NotARegularFile.Fifo);
        await Task.Run(() => AssertUserError($"error: {fifo.Path}: is not a regular file (a FIFO); a model's README.md is a file", "--teacher", fifoTeacher))
            .WaitAsync(TimeSpan.FromSeconds(120));
    }

    [Fact]
    public Task NoDataWhenTheTeacherRecordsNone()
    {
        // The teacher's graph and vocabulary without its model card: nothing says what it was trained on.
        var bare = _work.Combine("bare-teacher");
        Directory.CreateDirectory(bare);
        foreach (var file in new[] { "model.onnx", "vocab.txt" }) File.Copy(Path.Combine(teacher.Teacher, file), Path.Combine(bare, file));
        return AssertUserError("--data is needed", "--teacher", bare);
    }

    [Fact]
    public Task MissingDataFile() => AssertUserError("nope.csv", "--data", _work.Combine("nope.csv"));

    [Fact]
    public Task DataWithOtherLabels()
    {
        var other = _work.Combine("other.csv");
        File.WriteAllText(other, "text,label\ngood,happy\nbad,sad\ngreat,happy\nawful,sad\n");
        return AssertUserError($"{other}: labels 'happy', 'sad' differ from the teacher {teacher.Teacher}'s 'negative', 'positive'", "--data", other);
    }
}
