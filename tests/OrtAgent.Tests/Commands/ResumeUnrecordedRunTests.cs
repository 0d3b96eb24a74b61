using System.Text.Json;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// Runs begun by a build older than 2026-12-04 record no settings, data, output or student: made here by deleting those
/// records from a run stopped part-way. Resumed, they took this build's defaults for every flag left out, without a
/// word (102 steps for a run of 51, LoRA's rate 1e-3 for one begun at 5e-5, pair rounds raised by --min-steps), and
/// recorded nothing, so the next resume guessed again. Now a schedule whose rate at the run's last logged step is not
/// the one it logged is refused (naming --min-steps 0 where that gives it), one that agrees is said in a warning naming
/// the settings taken from defaults, and they are recorded.
/// </summary>
public sealed class ResumeUnrecordedRunTests(DistillTeacherFixture teacher) : IClassFixture<DistillTeacherFixture>, IDisposable
{
    private const string BegunBy = "begun by a build older than 2026-12-04";
    private readonly TempDirectory _work = new();
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose()
    {
        _tiny.Dispose();
        _work.Dispose();
    }

    /// <summary>The records a run begun before 2026-12-04 lacks, deleted from its artifacts.</summary>
    private static void MakeOld(string artifacts)
    {
        foreach (var record in new[] { TrainingArtifacts.SettingsRecordFile, TrainingArtifacts.DataRecordFile, TrainingArtifacts.OutputRecordFile, TrainingArtifacts.StudentRecordFile })
            File.Delete(Path.Combine(artifacts, record));
    }

    /// <summary>A train run on the tiny data (72 training examples) stopped at its first evaluation, at the end of epoch 1, made old.</summary>
    private async Task<string> StoppedOldTrainRunAsync(params string[] extra)
    {
        var stopped = await CliRun.RunCancelledOnAsync(_tiny.TrainArgs(_work.Path, ["--patience", "0", .. extra]), "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        string artifacts = _work.Combine("artifacts", "m");
        MakeOld(artifacts);
        return artifacts;
    }

    // With its --output: a run that records none exports to models/NAME in the working directory, as it began.
    private string[] Resume(string artifacts, params string[] flags) =>
        ["train", "--resume", artifacts, "--data", _tiny.TrainCsv, "--output", _work.Combine("models", "m"), .. flags];

    private static async Task<CliRun> AssertRefusedAsync(string[] args, string expected)
    {
        var refused = await CliRun.RunAsync(args);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Equal("error: " + expected, Assert.Single(refused.ErrorLines));
        Assert.DoesNotContain("Resuming ", refused.Output);
        return refused;
    }

    private static JsonElement Recorded(string artifacts, string section, string setting) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, TrainingArtifacts.SettingsRecordFile))).RootElement.GetProperty(section).GetProperty(setting);

    /// <summary>
    /// A run begun with --min-steps 0 (3 epochs of 9 steps at batch 8) resumed with only --data and the flags it began
    /// with but that one: today's --min-steps 100 planned 108 steps, whose rate at step 9 is not the one it logged. The
    /// refusal names --min-steps 0; given it, the run resumes with a warning naming --epochs 3 as this build's default,
    /// on its own 27 steps, and records its settings, so a later resume keeps them.
    /// </summary>
    [Fact]
    public async Task TrainRefusesAScheduleItsLogContradictsNamingMinStepsAndWarnsOfTheDefaultsItTakes()
    {
        string artifacts = await StoppedOldTrainRunAsync();

        await AssertRefusedAsync(Resume(artifacts, "--batch-size", "8", "--lr", "5e-3"),
            $"--resume {artifacts}: the run records no settings ({BegunBy}), and the learning rate it logged at step 9 (3.96e-3) is not the 3.64e-3 that --epochs 3, "
            + "--min-steps 100, --lr 5e-3 and --batch-size 8 give it (108 steps in all); --min-steps 0 gives it (27 steps in all): give --min-steps 0 to resume the run on its own schedule");
        Assert.False(File.Exists(Path.Combine(artifacts, TrainingArtifacts.SettingsRecordFile)));
        // Another rate, which --min-steps 0 does not mend: the flags that decide the schedule are named.
        await AssertRefusedAsync(Resume(artifacts, "--batch-size", "8", "--min-steps", "0"),
            $"--resume {artifacts}: the run records no settings ({BegunBy}), and the learning rate it logged at step 9 (3.96e-3) is not the 3.96e-5 that --epochs 3, "
            + "--min-steps 0, --lr 5e-5 and --batch-size 8 give it (27 steps in all): give the --epochs, --min-steps, --lr and --batch-size it began with");

        var resumed = await CliRun.RunAsync(Resume(artifacts, "--batch-size", "8", "--lr", "5e-3", "--min-steps", "0"));

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal($"warning: the run in {artifacts} records no settings ({BegunBy}): it resumes with --epochs 3 (this build's default), which give the learning rate "
            + "it logged at step 9; its settings.json records them now, so later resumes keep them", Assert.Single(resumed.ErrorLines));
        Assert.Contains("step 27/27", resumed.Output);
        Assert.Equal(0, Recorded(artifacts, "fine_tuning", "minimum_steps").GetInt32());
        Assert.Equal(5e-3, Recorded(artifacts, "fine_tuning", "learning_rate").GetDouble());
        Assert.Equal(8, Recorded(artifacts, "fine_tuning", "batch_size").GetInt32());
    }

    /// <summary>
    /// A LoRA run begun before 2026-12-04 took the rate every run then took, 5e-5 (LoRA's own 1e-3 came on 2026-12-06).
    /// Resumed with the flags it began with, it jumped to today's 1e-3 at the next step and its card said 1e-3; it
    /// resumes at 5e-5, said as where that rate comes from.
    /// </summary>
    [Fact]
    public async Task AnOldLoraRunResumedWithItsFirstFlagsKeepsTheRateItBeganWith()
    {
        // What the older build's default was, given here as this build would not take it.
        string artifacts = await StoppedOldTrainRunAsync("--lora-rank", "4", "--lr", "5e-5");

        var resumed = await CliRun.RunAsync(Resume(artifacts, "--lora-rank", "4", "--batch-size", "8", "--min-steps", "0"));

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal($"warning: the run in {artifacts} records no settings ({BegunBy}): it resumes with --epochs 3 (this build's default) and --lr 5e-5 "
            + "(LoRA's default before 2026-12-06, under which the run began), which give the learning rate it logged at step 9; its settings.json records them now, "
            + "so later resumes keep them", Assert.Single(resumed.ErrorLines));
        Assert.Contains("| learning rate | 5e-5", File.ReadAllText(_work.Combine("models", "m", "README.md")));
        Assert.Equal(5e-5, Recorded(artifacts, "fine_tuning", "learning_rate").GetDouble());
    }

    /// <summary>
    /// A contrastive run begun before its pair rounds rose to reach --min-steps (2026-12-03): resumed with its
    /// --pair-rounds, today's --min-steps 100 raised them and planned another schedule. Refused naming --min-steps 0.
    /// </summary>
    [Fact]
    public async Task AnOldContrastiveRunWhosePairRoundsTodaysMinStepsWouldRaiseIsRefusedNamingMinSteps()
    {
        // Stopped at step 1 (the first line shown), whose rate is 0 in any schedule, then resumed and stopped at step 2.
        var stopped = await CliRun.RunCancelledOnAsync(_tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "2"), "step 1/");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        string artifacts = _work.Combine("artifacts", "m");
        var second = await CliRun.RunCancelledOnAsync(["train", "--resume", artifacts], "step 2/");
        Assert.True(second.ExitCode == 130, second.ToString());
        MakeOld(artifacts);
        long step = TrainerState.Load(Path.Combine(artifacts, "checkpoint", "trainer_state.json")).Step;

        var refused = await CliRun.RunAsync(Resume(artifacts, "--method", "contrastive", "--pair-rounds", "2", "--batch-size", "8", "--lr", "5e-3"));

        Assert.True(refused.ExitCode == 2, refused.ToString());
        string line = Assert.Single(refused.ErrorLines);
        // 72 examples at 2 rounds are 288 pairs, 36 steps at batch 8; --min-steps 100 raises the rounds to 6: 108 steps.
        Assert.StartsWith($"error: --resume {artifacts}: the run records no settings ({BegunBy}), and the learning rate it logged at step {step} (", line);
        Assert.EndsWith(" that --pair-rounds 2, --contrastive-epochs 1, --min-steps 100, --lr 5e-3 and --batch-size 8 give it (108 steps in all); "
            + "--min-steps 0 gives it (36 steps in all): give --min-steps 0 to resume the run on its own schedule", line);
        Assert.DoesNotContain("Resuming ", refused.Output);
    }

    /// <summary>
    /// A new run whose artifacts hold an older build's finished run (no output.txt) that exported to models/NAME: it
    /// replaced that run's checkpoint without a word, where a current run's is refused. The missing record is taken as
    /// models/NAME, as --resume takes it.
    /// </summary>
    [Fact]
    public async Task ANewRunToAnotherOutputOverAnOldRunThatExportedModelsNameIsRefused()
    {
        var here = new OrtAgentProcess { WorkingDirectory = _work.Path };
        string[] Args(string output) => ["train", "--data", _tiny.TrainCsv, "--base", _tiny.BaseModel, "--min-steps", "0", "--batch-size", "8", "--lr", "5e-3",
            "--epochs", "1", "--output", output, "--artifacts-root", "artifacts"];
        var first = await here.RunAsync(Args(Path.Combine("models", "m")), TimeSpan.FromMinutes(2));
        Assert.True(first.ExitCode == 0, first.ToString());
        MakeOld(_work.Combine("artifacts", "m"));

        var other = await here.RunAsync(Args(Path.Combine("other", "m")), TimeSpan.FromMinutes(2));

        Assert.True(other.ExitCode == 2, other.ToString());
        Assert.Equal($"error: artifacts directory {Path.Combine("artifacts", "m")} (--artifacts-root): holds the run that exported {Path.Combine("models", "m")}, "
            + $"which this run to --output {Path.Combine("other", "m")} would replace (the artifacts are named after the output's folder); give --output another folder name, "
            + "or use another --artifacts-root", Assert.Single(other.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("other")));
    }

    /// <summary>
    /// An older build's student, stopped and moved elsewhere: its properties name the student-encoder/ where it was
    /// built, gone, so it was refused as holding no student ("as 'ortagent artifacts --loss kd' writes them"). Resumed
    /// without --teacher it asked for --teacher, then --layers, one at a time; its layers show in its parameters. It
    /// names the teacher at once, then checks its schedule, warns of the defaults it takes, resumes, and records its
    /// teacher and settings, so the next resume needs neither.
    /// </summary>
    [Fact]
    public async Task AnOldStudentMovedElsewhereResumesAskingOnlyForItsTeacherAndRecordsIt()
    {
        var stopped = await CliRun.RunCancelledOnAsync(teacher.DistillArgs(_work.Path, "--patience", "0"), "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        string built = _work.Combine("artifacts", "student"), moved = _work.Combine("elsewhere", "student");
        MakeOld(built);
        Directory.CreateDirectory(_work.Combine("elsewhere"));
        Directory.Move(built, moved);

        await AssertRefusedAsync(["distill", "--resume", moved],
            $"--teacher is needed to resume the run in {moved}: it records no teacher ({BegunBy}); give the --teacher it was distilled from");
        await AssertRefusedAsync(["distill", "--resume", moved, "--teacher", teacher.Teacher, "--batch-size", "8", "--lr", "5e-3"],
            $"--resume {moved}: the run records no settings ({BegunBy}), and the learning rate it logged at step 10 (3.89e-3) is not the 4.5e-3 that --epochs 3, "
            + "--min-steps 100, --lr 5e-3 and --batch-size 8 give it (100 steps in all); --min-steps 0 gives it (30 steps in all): give --min-steps 0 to resume the run on its own schedule");

        var resumed = await CliRun.RunAsync(["distill", "--resume", moved, "--teacher", teacher.Teacher, "--batch-size", "8", "--lr", "5e-3",
            "--min-steps", "0", "--output", _work.Combine("models", "moved")]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal($"warning: the run in {moved} records no settings ({BegunBy}): it resumes with --epochs 3 (this build's default), which give the learning rate "
            + "it logged at step 10; its settings.json records them now, so later resumes keep them", Assert.Single(resumed.ErrorLines));
        Assert.Contains("Exported the best student", resumed.Output);
        var again = await CliRun.RunAsync(["distill", "--resume", moved]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(again.ErrorLines);
    }
}
