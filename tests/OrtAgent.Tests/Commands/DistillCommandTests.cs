using System.Text.Json;
using OrtAgent.Distillation;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Commands;

/// <summary><c>ortagent distill</c> end to end on a tiny 4-layer teacher, and every user mistake it refuses.</summary>
public sealed class DistillCommandTests(DistillTeacherFixture teacher) : IClassFixture<DistillTeacherFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string[] LayersOf(string modelDirectory) =>
        OnnxModel.Load(Path.Combine(modelDirectory, ModelContract.ModelFile)).Graph.Initializers.Select(v => v.Name)
            .Where(n => n.StartsWith("encoder.layer.", StringComparison.Ordinal)).Select(n => n.Split('.')[2]).Distinct().Order().ToArray();

    [Fact]
    public async Task DistilsTheTeacherIntoATwoLayerStudentThatPredictsAndRecordsBothAccuracies()
    {
        // No --data: the teacher's model card records its training and validation files.
        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("the student keeps 1, 3", run.Output);
        Assert.Matches(@"teacher accuracy: \d\.\d{4}, student accuracy: \d\.\d{4}", run.Output);

        var student = _work.Combine("models", "student");
        Assert.Equal(["0", "1"], LayersOf(student));
        Assert.Equal(["0", "1", "2", "3"], LayersOf(teacher.Teacher));
        using (var classifier = TextClassifier.Load(student))
        {
            Assert.Equal(["negative", "positive"], classifier.Info.Labels);
            var prediction = classifier.Predict("the food was great");
            Assert.InRange(prediction.Probabilities.Values.Sum(), 0.999, 1.001);
            Assert.True(classifier.Info.Metrics.ContainsKey("teacher_accuracy"));
            Assert.True(classifier.Info.Metrics.ContainsKey("accuracy"));
        }
        var card = File.ReadAllText(Path.Combine(student, "README.md"));
        Assert.Contains(teacher.Teacher, card);
        Assert.Contains("teacher layers 1, 3 renumbered 0-1", card);
        Assert.Matches(@"\| teacher \| 4 \| \d\.\d{4} \|", card);
        Assert.Matches(@"\| student \| 2 \| \d\.\d{4} \|", card);
        Assert.Contains(teacher.TestCsv, card); // the teacher's validation file was reused
        var properties = JsonDocument.Parse(File.ReadAllText(_work.Combine("artifacts", "student", "checkpoint", "properties.json")));
        Assert.Equal("kd", properties.RootElement.GetProperty("loss").GetString());

        // --resume on the finished run exports the same student again.
        var resumed = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", _work.Combine("artifacts", "student"),
            "--output", _work.Combine("models", "again")));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("Resuming", resumed.Output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(student, "model.onnx")), File.ReadAllBytes(_work.Combine("models", "again", "model.onnx")));

        // A resumed student keeps its teacher and layers: another of either was accepted, and the card described a
        // student the model is not. Without --output it exports where the run last exported, not to <teacher>-small.
        var artifacts = _work.Combine("artifacts", "student");
        var moreLayers = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts, "--layers", "3"));
        Assert.True(moreLayers.ExitCode == 2, moreLayers.ToString());
        Assert.StartsWith($"error: --layers 3: the run in {artifacts} has a student of 2 layers (teacher layers 1, 3), which a resumed run keeps",
            Assert.Single(moreLayers.ErrorLines));
        var otherTeacher = _work.Combine("other-teacher");
        Directory.CreateDirectory(otherTeacher);
        foreach (var file in Directory.GetFiles(teacher.Teacher)) File.Copy(file, Path.Combine(otherTeacher, Path.GetFileName(file)));
        var another = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts, "--teacher", otherTeacher));
        Assert.True(another.ExitCode == 2, another.ToString());
        Assert.Contains($"the run in {artifacts} distils {teacher.Teacher}, which a resumed run keeps", Assert.Single(another.ErrorLines));
        // Nor do α, the data or the schedule change on resuming: each was accepted and dropped, the card naming the
        // new value (another --data even trained the resumed steps on it).
        (string Flag, string Value, string Refusal)[] kept =
        [
            ("--alpha", "0.9", $"--alpha 0.9: the run in {artifacts} was built with 0.5, which a resumed run keeps"),
            ("--max-length", "16", $"--max-length 16: the run in {artifacts} was built with "),
            ("--data", teacher.TestCsv, $"--data '{teacher.TestCsv}': the run in {artifacts} trains on "),
            ("--lr", "0.01", $"--lr 0.01: the run in {artifacts} began with 0.005, which a resumed run keeps"),
        ];
        foreach (var (flag, value, refusal) in kept)
        {
            var refused = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts, flag, value));
            Assert.True(refused.ExitCode == 2, refused.ToString());
            Assert.StartsWith("error: " + refusal, Assert.Single(refused.ErrorLines));
        }
        // Nor do --teacher, --layers and the schedule need giving again: the run records them.
        var noOutput = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts, "--output", null!, "--teacher", null!, "--layers", null!,
            "--lr", null!, "--epochs", null!, "--min-steps", null!, "--batch-size", null!));
        Assert.True(noOutput.ExitCode == 0, noOutput.ToString());
        Assert.Contains("| learning rate | 0.005", File.ReadAllText(_work.Combine("models", "again", "README.md")));
        // The last resume exported to models/again, which the run now records.
        Assert.Contains($"to {_work.Combine("models", "again")}", noOutput.Output);
        Assert.False(Directory.Exists(Path.TrimEndingDirectorySeparator(teacher.Teacher) + "-small"));

        // export --checkpoint of the student: its card used to say nothing of being one, nor of its layers.
        var exported = _work.Combine("models", "exported");
        var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", exported, "--no-explain"]);
        Assert.True(export.ExitCode == 0, export.ToString());
        var exportedCard = File.ReadAllText(Path.Combine(exported, "README.md")).ReplaceLineEndings("\n");
        // It keeps distill's own sections, the teacher and the student among them.
        Assert.Contains($"## Distillation\n\n- teacher: `{teacher.Teacher}` (", exportedCard);
        Assert.Contains("- student: 2 layers, teacher layers 1, 3 renumbered 0-1", exportedCard);
        Assert.Contains("## Teacher and student on the validation split", exportedCard);
        // Its metrics are distill's own, the teacher's accuracy among them, which it used to lose.
        using (var distilled = TextClassifier.Load(student))
        using (var reexported = TextClassifier.Load(exported))
            Assert.Equal(distilled.Info.Metrics.OrderBy(m => m.Key), reexported.Info.Metrics.OrderBy(m => m.Key));
    }

    /// <summary>
    /// <c>distill --resume</c> of a finished run into the model it exported: the run takes no step and its student is
    /// the one there, byte for byte, yet it was written again, so a server that had loaded it refused /explain until it
    /// reloaded. It is kept in place, with its card and run log, as the facade keeps it; into another folder it is exported.
    /// </summary>
    [Fact]
    public async Task ResumingAFinishedRunKeepsTheStudentItExportedInPlace()
    {
        Assert.Equal(0, (await CliRun.RunAsync(teacher.DistillArgs(_work.Path))).ExitCode);
        var student = _work.Combine("models", "student");
        var written = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        foreach (var file in new[] { "model.onnx", "README.md", "metrics.jsonl" }) File.SetLastWriteTimeUtc(Path.Combine(student, file), written);

        var resumed = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", _work.Combine("artifacts", "student")));

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Kept the best student (step 30) exported to {student} as it is: the run had finished, and the same model is there", resumed.Output);
        // This call's time is not the run's: the summary said "30 steps in 00:00:00".
        Assert.Contains("30 steps, resumed: this call trained for ", resumed.Output);
        Assert.DoesNotContain("30 steps in ", resumed.Output);
        foreach (var file in new[] { "model.onnx", "README.md", "metrics.jsonl" }) Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(student, file)));
    }

    /// <summary>
    /// <c>train --init-from</c> a student builds on the student's own encoder: it took the packaged base the student
    /// records, whose layers the student lacks, and failed asking whether it was "trained from the same base model".
    /// </summary>
    [Fact]
    public async Task TrainingOnFromAStudentBuildsOnItsOwnEncoder()
    {
        Assert.Equal(0, (await CliRun.RunAsync(teacher.DistillArgs(_work.Path))).ExitCode);
        var student = _work.Combine("models", "student");
        var next = _work.Combine("models", "next");

        var run = await CliRun.RunAsync(["train", "--init-from", student, "--base", Path.Combine(teacher.Root, "tiny-base-4"), "--data", teacher.TrainCsv,
            "--epochs", "1", "--min-steps", "0", "--batch-size", "8", "--lr", "1e-12", "--output", next, "--artifacts-root", _work.Combine("artifacts")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Base: the 2-layer encoder of {student} (a distilled student; tiny-base-4 has 4 layers)", run.Output);
        Assert.Equal(["0", "1"], LayersOf(next));
        using var before = TextClassifier.Load(student);
        using var after = TextClassifier.Load(next);
        foreach (var text in new[] { "the food was great", "an awful place", "it was fine" })
            foreach (var (label, probability) in before.Predict(text).Probabilities)
                Assert.Equal(probability, after.Predict(text).Probabilities[label], 3);
    }

    /// <summary>
    /// <c>train --resume</c> a student's artifacts: it exported the student again as a standard model, with a card that
    /// named no teacher, over the distillation's own (a run not finished failed inside training instead).
    /// </summary>
    [Fact]
    public async Task TrainResumingAStudentsArtifactsIsRefusedInOneLine()
    {
        Assert.Equal(0, (await CliRun.RunAsync(teacher.DistillArgs(_work.Path))).ExitCode);
        var artifacts = _work.Combine("artifacts", "student");
        var card = File.ReadAllText(_work.Combine("models", "student", "README.md"));

        var run = await CliRun.RunAsync(["train", "--data", teacher.TrainCsv, "--resume", artifacts]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --resume {artifacts}: these artifacts are a student's, made by distill; continue them with distill --resume", Assert.Single(run.ErrorLines));
        Assert.Equal(card, File.ReadAllText(_work.Combine("models", "student", "README.md")));
    }

    /// <summary>
    /// <c>train --init-from</c> a model with more layers than the base: its weights fit the base's layers by name and
    /// shape, so the run trained on the first two of the teacher's four layers and dropped the rest without a word.
    /// </summary>
    [Fact]
    public async Task TrainingOnFromAModelWithMoreLayersThanTheBaseIsRefused()
    {
        var twoLayers = _work.Combine("tiny-base-2");
        TinyBertBuilder.WriteBaseModel(twoLayers, new TinyBertOptions { Layers = 2, Seed = 5 });

        var run = await CliRun.RunAsync(["train", "--init-from", teacher.Teacher, "--base", twoLayers, "--data", teacher.TrainCsv,
            "--epochs", "1", "--output", _work.Combine("models", "next"), "--artifacts-root", _work.Combine("artifacts")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --init-from {teacher.Teacher}: the model has 4 encoder layers and the base model 2; " +
            "start from a model trained from --base, or from a student distilled from such a model", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

    /// <summary>
    /// A copy of the teacher whose metadata records 128 tokens over its 64-row position table. As a teacher its record
    /// became the run's max length, so a text over 64 tokens failed inside ONNX Runtime mid-run; from --init-from the
    /// record was read and never checked.
    /// </summary>
    private string TeacherRecordingMoreThanItsTable()
    {
        var copy = CopyOfTheTeacher("long-teacher");
        TinyBertClassifier.RecordMaxLength(copy, 128);
        return copy;
    }

    private string CopyOfTheTeacher(string name)
    {
        var copy = _work.Combine(name);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(teacher.Teacher)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    /// <summary>
    /// A copy of the teacher whose vocab.txt is cut by 10 lines, and the line predict refuses it with. Only predict's load
    /// held the vocabulary against the tokens the model records: as a teacher it distilled silently, the student recording
    /// the cut count as its own, and --init-from trained on from it.
    /// </summary>
    private (string Model, string Refusal) TeacherWithItsVocabularyCutShort()
    {
        var copy = CopyOfTheTeacher("cut-vocab-teacher");
        var vocabulary = Path.Combine(copy, "vocab.txt");
        int tokens = File.ReadAllLines(vocabulary).Length;
        File.WriteAllLines(vocabulary, File.ReadLines(vocabulary).Take(tokens - 10).ToArray());
        return (copy, $"{vocabulary}: holds {tokens - 10} tokens, and model.onnx was trained with {tokens}; is it a partial copy, or another model's?");
    }

    private static string LongerThanTheTable(string model) =>
        $"{Path.Combine(model, "model.onnx")}: 'ortagent.max_length' is 128, longer than the 64 rows of model.onnx's position table, the longest sequence the model can run";

    [Fact]
    public async Task ATeacherRecordingMoreThanItsPositionTableIsRefusedInOneLine()
    {
        var longTeacher = TeacherRecordingMoreThanItsTable();

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--teacher", longTeacher));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: teacher model {LongerThanTheTable(longTeacher)}", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

    [Fact]
    public async Task TrainingOnFromAModelRecordingMoreThanItsPositionTableIsRefusedInOneLine()
    {
        var longModel = TeacherRecordingMoreThanItsTable();

        var run = await CliRun.RunAsync(["train", "--init-from", longModel, "--base", Path.Combine(teacher.Root, "tiny-base-4"), "--data", teacher.TrainCsv,
            "--epochs", "1", "--output", _work.Combine("models", "next"), "--artifacts-root", _work.Combine("artifacts")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --init-from {LongerThanTheTable(longModel)}", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

    [Fact]
    public async Task ATeacherWithItsVocabularyCutShortIsRefusedAsPredictRefusesIt()
    {
        var (cut, refusal) = TeacherWithItsVocabularyCutShort();

        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--teacher", cut));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: {refusal}", Assert.Single(run.ErrorLines));
        var predict = await CliRun.RunAsync(["predict", "--model", cut, "--input", teacher.TestCsv, "--output", _work.Combine("predictions.csv")]);
        Assert.Equal(run.ErrorLines, predict.ErrorLines);
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

    [Fact]
    public async Task TrainingOnFromAModelWithItsVocabularyCutShortIsRefusedInOneLine()
    {
        var (cut, refusal) = TeacherWithItsVocabularyCutShort();

        var run = await CliRun.RunAsync(["train", "--init-from", cut, "--base", Path.Combine(teacher.Root, "tiny-base-4"), "--data", teacher.TrainCsv,
            "--epochs", "1", "--output", _work.Combine("models", "next"), "--artifacts-root", _work.Combine("artifacts")]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --init-from {refusal}", Assert.Single(run.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

    /// <summary>
    /// The student keeps the teacher's position table (64 rows here): a longer --max-length was taken, and the run
    /// failed inside ONNX Runtime on the first longer text, or trained to the end and was refused as an
    /// "ExportOptions.MaxLength" the user never named.
    /// </summary>
    [Fact]
    public async Task AMaxLengthLongerThanTheTeachersPositionTableIsRefusedInOneLine()
    {
        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--max-length", "128"));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal($"error: --max-length 128: is longer than the 64 rows of {Path.Combine(teacher.Teacher, "model.onnx")}'s position table, " +
            "the longest sequence the model can run", Assert.Single(run.ErrorLines));
        Assert.DoesNotContain("Running the teacher", run.Output);
        Assert.False(Directory.Exists(_work.Combine("models")), "an output directory was created");
        Assert.False(Directory.Exists(_work.Combine("artifacts")), "an artifacts directory was created");
    }

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

    [Fact]
    public Task MissingTeacher() => AssertUserError("does not exist", "--teacher", _work.Combine("no-such-model"));

    /// <summary>Required for a new run; a resumed run reads both from its artifacts (the first test resumes without them).</summary>
    [Theory]
    [InlineData("--teacher", "--teacher is required: the fine-tuned model to distil (models/NAME)")]
    [InlineData("--layers", "--layers is required: how many encoder layers the student keeps")]
    public Task ARequiredOptionLeftOut(string flag, string message) => AssertUserError(message, flag, null!);

    [Fact]
    public Task TeacherThatIsNotAModel()
    {
        Directory.CreateDirectory(_work.Combine("empty"));
        return AssertUserError($"error: {_work.Combine("empty")}: no model.onnx in the model directory", "--teacher", _work.Combine("empty"));
    }

    /// <summary>A run's artifacts as the teacher (where its training wrote) said only that the teacher has no model.onnx.</summary>
    [Fact]
    public Task TeacherThatIsARunsArtifacts()
    {
        var artifacts = _work.Combine("runs", "m1");
        Directory.CreateDirectory(Path.Combine(artifacts, "checkpoint"));
        File.WriteAllText(Path.Combine(artifacts, "checkpoint", "properties.json"), "{}");
        return AssertUserError($"error: {artifacts}: no model.onnx in the model directory: this is a training run's artifacts, not a model; "
            + $"export a model from it with: ortagent export --checkpoint {artifacts} --output MODEL", "--teacher", artifacts);
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
        return AssertUserError("differ from the model's", "--data", other);
    }
}
