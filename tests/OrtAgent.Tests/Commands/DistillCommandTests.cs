using System.Text.Json;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>ortagent distill</c> end to end on a tiny 4-layer teacher, training on from its student, and the teachers and
/// models whose contents it refuses. The mistakes in what is typed are <see cref="DistillBadInputTests"/>'s.
/// </summary>
public sealed class DistillCommandTests(DistillTeacherFixture teacher) : IClassFixture<DistillTeacherFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private static string[] LayersOf(string modelDirectory) =>
        OnnxModel.Load(Path.Combine(modelDirectory, ModelContract.ModelFile)).Graph.Initializers.Select(v => v.Name)
            .Where(n => n.StartsWith("encoder.layer.", StringComparison.Ordinal)).Select(n => n.Split('.')[2]).Distinct().Order().ToArray();

    /// <summary>A one-layer student was planned as "the student keeps 3 (as 0-0)" and tabled as "1 (teacher layers 3)".</summary>
    [Fact]
    public async Task AOneLayerStudentIsSaidInTheSingular()
    {
        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--layers", "1", "--epochs", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("the student keeps layer 3 (as 0).", run.Output);
        Assert.Contains("1 (teacher layer 3)", run.Output);
        Assert.DoesNotContain("0-0", run.Output);
    }

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
        Assert.Contains("finished at step", resumed.Output);
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
        Assert.Contains("| learning rate | 5e-3", File.ReadAllText(_work.Combine("models", "again", "README.md")));
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
        // Not "Resuming ... at epoch 4, step 30": the finished run's state is past its last epoch.
        Assert.Contains($"The run in {_work.Combine("artifacts", "student")} finished at step 30: nothing is left to train, so its student is only exported " +
            "(--epochs does not extend a finished run).", resumed.Output);
        Assert.DoesNotContain("Resuming ", resumed.Output);
        Assert.Contains($"Kept the best student (step 30) exported to {student} as it is: the run had finished, and the same model is there", resumed.Output);
        // This call's time is not the run's: the summary said "30 steps in 00:00:00".
        Assert.Contains("30 steps, resumed: this call trained for ", resumed.Output);
        Assert.DoesNotContain("30 steps in ", resumed.Output);
        foreach (var file in new[] { "model.onnx", "README.md", "metrics.jsonl" }) Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(student, file)));
    }

    /// <summary>
    /// A student from before its artifacts recorded it (no <c>student.txt</c>, 2026-12-04) still resumes, and its layer
    /// count is read from its parameters: another <c>--layers</c> went on with the student it had and wrote a card for
    /// the one asked for.
    /// </summary>
    [Fact]
    public async Task AStudentWithoutItsRecordResumesWithItsOwnLayersOnly()
    {
        Assert.Equal(0, (await CliRun.RunAsync(teacher.DistillArgs(_work.Path))).ExitCode);
        var artifacts = _work.Combine("artifacts", "student");
        File.Delete(Path.Combine(artifacts, "student.txt"));

        var other = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts, "--layers", "3"));
        var same = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts));

        Assert.True(other.ExitCode == 2, other.ToString());
        Assert.Equal($"error: --layers 3: the run in {artifacts} has a student of 2 layers, which a resumed run keeps; pass --layers 2 to resume, or start a new run",
            Assert.Single(other.ErrorLines));
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Contains("Kept the best student (step 30)", same.Output);
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
        // --init-from is refused as the folder it names, as every wrong --init-from is.
        Assert.Equal($"error: --init-from {longModel}: {LongerThanTheTable(longModel)[(longModel.Length + 1)..]}", Assert.Single(run.ErrorLines));
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
}
