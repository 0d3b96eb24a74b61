using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>distill</c> shares <c>train</c>'s way with a stopped run: the stop names <c>distill --resume</c>, and the same
/// command again warns, as it starts, that it will discard the stopped run once the new one is built.
/// </summary>
public sealed class DistillStoppedRunTests(DistillTeacherFixture teacher) : IClassFixture<DistillTeacherFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task AStoppedDistillationNamesDistillResumeAndTheSameCommandWarnsBeforeDiscardingIt()
    {
        var (args, artifacts, stopped, step) = await StoppedDistillationAsync();
        string resume = $"ortagent distill --resume {artifacts}";
        Assert.Equal([$"Cancelled at step {step}; checkpoint written to {Path.Combine(artifacts, "checkpoint")}. To continue this run: {resume}", "cancelled"],
            stopped.ErrorLines[^2..]);
        Assert.DoesNotContain("Cancelled", stopped.Output);

        var again = await CliRun.RunAsync(args);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal([$"warning: {artifacts} holds a run stopped at step {step}, before it finished; it will be discarded once this new run is built " +
            $"(Ctrl+C before then keeps it, and {resume} continues it)"], again.ErrorLines);
    }

    /// <summary>
    /// A new distillation warns before its teacher runs over the data, while the advice can still be followed: stopped
    /// there, it has replaced nothing, and the stopped run stays to resume. The warning came once the teacher's pass was
    /// done, just before the run was replaced, too late for the Ctrl+C it advised.
    /// </summary>
    [Fact]
    public async Task ANewDistillationWarnsBeforeTheTeachersPassAndStoppedThereKeepsTheStoppedRun()
    {
        var (args, artifacts, _, step) = await StoppedDistillationAsync();

        var again = await CliRun.RunCancelledOnAsync(args, "Running the teacher");

        Assert.True(again.ExitCode == 130, again.ToString());
        Assert.Single(again.ErrorLines, line => line.StartsWith($"warning: {artifacts} holds a run stopped at step {step}", StringComparison.Ordinal));
        Assert.Equal(step, TrainerState.Load(Path.Combine(artifacts, "checkpoint", "trainer_state.json")).Step);
    }

    /// <summary>
    /// A new distillation stopped while it builds its student, the last part before it replaces a stopped run (as it
    /// warns that it will), leaves that run exactly as it was, file for file, and the advised --resume continues it. The
    /// student was built in the artifacts directory, so the stop came too late: the old checkpoint was gone, and --resume
    /// went on with the new student at step 0.
    /// </summary>
    [Fact]
    public async Task ANewDistillationStoppedBeforeItReplacesAStoppedRunLeavesThatRunAsItWasToResume()
    {
        var (args, artifacts, _, step) = await StoppedDistillationAsync();
        var before = TreeSnapshot.Take(artifacts);

        var again = await CliRun.RunCancelledOnAsync(args, "Building the student");

        Assert.True(again.ExitCode == 130, again.ToString());
        Assert.Equal(before, TreeSnapshot.Take(artifacts));
        var resumed = await CliRun.RunAsync(["distill", "--resume", artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Resuming {artifacts} at epoch", resumed.Output);
        Assert.Contains($", step {step}.", resumed.Output);
    }

    /// <summary>
    /// <c>train --init-from</c> a distilled student over a stopped run, stopped as it warns or while it builds on the
    /// student's own encoder, leaves the stopped run file for file, and <c>train --resume</c> continues it. The student's
    /// encoder was written into the artifacts, marked as being set up, before the graphs were built, so a stop while
    /// they built left a run --resume refused.
    /// </summary>
    [Theory]
    [InlineData("warning:")]
    [InlineData("Building training graphs")]
    public async Task ANewRunFromAStudentStoppedBeforeItReplacesAStoppedRunLeavesThatRunToResume(string trigger)
    {
        var distilled = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--epochs", "1"));
        Assert.True(distilled.ExitCode == 0, distilled.ToString());
        string student = _work.Combine("models", "student"), artifacts = _work.Combine("artifacts", "m");
        string[] args = ["train", "--base", Path.Combine(teacher.Root, "tiny-base-4"), "--data", teacher.TrainCsv, "--epochs", "2", "--patience", "0",
            "--min-steps", "0", "--batch-size", "8", "--lr", "5e-3", "--output", _work.Combine("models", "m"), "--artifacts-root", _work.Combine("artifacts")];
        var stopped = await CliRun.RunCancelledOnAsync(args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        long step = TrainerState.Load(Path.Combine(artifacts, "checkpoint", "trainer_state.json")).Step;
        var before = TreeSnapshot.Take(artifacts);

        var again = trigger == "warning:"
            ? await CliRun.RunCancelledOnErrorAsync([.. args, "--init-from", student], trigger)
            : await CliRun.RunCancelledOnAsync([.. args, "--init-from", student], trigger);

        Assert.True(again.ExitCode == 130, again.ToString());
        var warned = again.ErrorLines.Where(line => line.StartsWith($"warning: {artifacts} holds a run stopped at step {step}", StringComparison.Ordinal)).ToList();
        // Stopped while it builds, the run stops once the graph being built is done: the warning, due once the starting
        // weights are checked (after the graphs), is said only when the stop came that late.
        if (trigger == "warning:") Assert.Single(warned);
        else Assert.True(warned.Count <= 1, again.ToString());
        Assert.Equal(before, TreeSnapshot.Take(artifacts));
        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Resuming {artifacts} at epoch", resumed.Output);
        Assert.Contains($", step {step}.", resumed.Output);
    }

    /// <summary>
    /// <c>distill --resume</c> of a student whose artifacts lost their vocab.txt copy puts the teacher's back before
    /// training, in one line on stderr, and exports a student that loads. It trained every remaining epoch and only then
    /// its export refused (vocab.txt is missing).
    /// </summary>
    [Fact]
    public async Task AResumedDistillationWhoseArtifactsLostTheirVocabularyCopyGetsTheTeachersBackAndExports()
    {
        var (_, artifacts, _, step) = await StoppedDistillationAsync();
        string copy = Path.Combine(artifacts, "vocab.txt");
        File.Delete(copy);

        var resumed = await CliRun.RunAsync(["distill", "--resume", artifacts]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        string teachers = Path.Combine(teacher.Teacher, "vocab.txt");
        Assert.Equal($"{copy} was missing; copied in the teacher's ({teachers}), the vocabulary the run trains with, which its model is exported with",
            Assert.Single(resumed.ErrorLines));
        Assert.Contains($"Resuming {artifacts} at epoch ", resumed.Output);
        Assert.Contains($", step {step}.", resumed.Output);
        Assert.Equal(File.ReadAllBytes(teachers), File.ReadAllBytes(copy));
        using var student = TextClassifier.Load(_work.Combine("models", "student"));
        Assert.Contains(student.Predict("the movie was great").Label, new[] { "negative", "positive" });
    }

    /// <summary>
    /// A distillation recorded nothing of its card as it started, as train's runs do: an export of it stopped part-way
    /// had its labels, metrics, teacher and layers, and nothing of its loss, data or hyperparameters. It records them as
    /// it starts; the export's sections are those the finished run's card then has, and it says the run had not finished.
    /// </summary>
    [Fact]
    public async Task AStoppedDistillationsExportHasTheTeacherDataAndHyperparametersItsFinishedCardWill()
    {
        var (args, artifacts, _, _) = await StoppedDistillationAsync();
        var exported = _work.Combine("exports", "unfinished");

        var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", exported, "--no-explain", "--latest"]);

        Assert.True(export.ExitCode == 0, export.ToString());
        var card = ModelCard.SectionsOf(File.ReadAllText(Path.Combine(exported, "README.md")));
        Assert.EndsWith(", before the run had finished.", card["Export"]);
        Assert.DoesNotContain("Run", card.Keys);
        // The teacher and layers alone, said when nothing else is recorded, give way to the section that says them.
        Assert.DoesNotContain("Distilled", card.Keys);
        Assert.Contains($"- teacher: `{teacher.Teacher}`", card["Distillation"]);

        var finished = await CliRun.RunAsync(args);
        Assert.True(finished.ExitCode == 0, finished.ToString());
        var finishedCard = ModelCard.SectionsOf(File.ReadAllText(_work.Combine("models", "student", "README.md")));
        foreach (var title in new[] { "Distillation", "Data", "Hyperparameters" })
            Assert.Equal(finishedCard[title], card[title]);
    }

    /// <summary>
    /// The digest a new distillation records of its teacher, now taken as the teacher's files are read to load it, is
    /// the one earlier runs recorded (the SHA-256 of the hex SHA-256s of its model.onnx and vocab.txt), by which those
    /// runs still resume from a teacher moved since.
    /// </summary>
    [Fact]
    public async Task TheTeachersRecordedDigestIsTheOneRunsHaveAlwaysRecorded()
    {
        var (_, artifacts, _, _) = await StoppedDistillationAsync();

        static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        string expected = Sha256(System.Text.Encoding.UTF8.GetBytes(
            $"{Sha256(File.ReadAllBytes(Path.Combine(teacher.Teacher, "model.onnx")))}\n{Sha256(File.ReadAllBytes(Path.Combine(teacher.Teacher, "vocab.txt")))}"));
        Assert.Equal(expected, OrtAgent.Training.Distillation.StudentRecord.Read(artifacts)!.TeacherDigest);
    }

    /// <summary>
    /// A distillation the library began (TextClassifierTrainer.Distill), stopped, then resumed by <c>distill --resume</c>:
    /// the library wrote no output.txt (train's facade does), so the command line exported the student where distill
    /// does without --output, beside the teacher (its folder name with -small), rather than the run's OutputDirectory.
    /// It records its output, and the resume exports there.
    /// </summary>
    [Fact]
    public async Task ADistillationTheLibraryBeganResumesIntoItsOwnOutputDirectory()
    {
        string name = "library-student";
        var options = new OrtAgent.Training.TextClassifiers.TextClassifierDistillationOptions
        {
            Teacher = teacher.Teacher, ArtifactsDirectory = _work.Combine("artifacts", name), OutputDirectory = _work.Combine("out", "student"),
            Distillation = new OrtAgent.Training.Distillation.DistillationOptions { Layers = 2 },
            FineTuning = new FineTuningOptions { Epochs = 2, BatchSize = 8, LearningRate = 5e-3, MinimumSteps = 0 },
            Session = new OrtSessionSettings { IntraOpThreads = 1 },
        };
        var examples = File.ReadAllLines(teacher.TrainCsv).Skip(1).Select(line => line.Split(','))
            .Select(fields => new OrtAgent.Data.LabeledExample(fields[0], fields[1])).ToList();
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => OrtAgent.Training.TextClassifiers.TextClassifierTrainer.Distill(options, examples,
            observer: new StopAfterSteps(2, stop), cancellationToken: stop.Token));
        // Beside the teacher the class shares: removed below, so that no other test finds it.
        string stray = teacher.Teacher + "-small";
        try
        {
            var resumed = await CliRun.RunAsync(["distill", "--resume", options.ArtifactsDirectory, "--data", teacher.TrainCsv]);

            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.True(File.Exists(Path.Combine(options.OutputDirectory, ModelContract.ModelFile)), resumed.ToString());
            Assert.False(Directory.Exists(stray));
        }
        finally
        {
            if (Directory.Exists(stray)) Directory.Delete(stray, recursive: true);
        }
    }

    /// <summary>A distillation of two epochs stopped at its first evaluation: its command, artifacts, run and checkpoint step.</summary>
    private async Task<(string[] Args, string Artifacts, CliRun Stopped, long Step)> StoppedDistillationAsync()
    {
        string[] args = teacher.DistillArgs(_work.Path, "--epochs", "2", "--patience", "0");
        var artifacts = _work.Combine("artifacts", "student");
        var stopped = await CliRun.RunCancelledOnAsync(args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        return (args, artifacts, stopped, TrainerState.Load(Path.Combine(artifacts, "checkpoint", "trainer_state.json")).Step);
    }

    [Theory]
    [InlineData("--data")]
    [InlineData("--validation")]
    public async Task StandardInputAsADataFileIsRefusedAsUnsupported(string option)
    {
        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, option, "-"));

        Assert.True(run.ExitCode == 2, run.ToString());
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"error: {option} -: reading from standard input is not supported; give a file path", line);
        Assert.False(Directory.Exists(_work.Combine("artifacts")));
    }
}
