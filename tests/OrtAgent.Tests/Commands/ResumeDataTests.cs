using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>train --resume</c> and <c>distill --resume</c> train on the examples their run began with: a data file edited in
/// place since (as many rows, other texts) is refused in one line naming the file, before anything is written; the same
/// rows written otherwise resume, and so does a run recorded before its examples' digests.
/// </summary>
public sealed class ResumeDataTests(DistillTeacherFixture teacher) : IClassFixture<DistillTeacherFixture>, IDisposable
{
    private readonly TempDirectory _work = new();
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose()
    {
        _tiny.Dispose();
        _work.Dispose();
    }

    private const string Restore = "restore the examples it began with to resume, or start a new run with another --output";

    /// <summary>A copy of <paramref name="source"/> in the work folder, which the test may then edit.</summary>
    private string Copy(string source, string name)
    {
        var path = _work.Combine(name);
        File.Copy(source, path);
        return path;
    }

    /// <summary>Every text in a CSV of the fixture's (<c>text,label</c>, unquoted) given one more word: as many rows, other texts.</summary>
    private static void EditTexts(string csv) =>
        File.WriteAllLines(csv, File.ReadAllLines(csv).Select((line, i) => i == 0 ? line : line.Insert(line.LastIndexOf(','), " indeed")));

    /// <summary>Every file under <paramref name="directory"/> with a hash of its bytes.</summary>
    private static (string File, string Sha256)[] Contents(string directory) =>
        Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(directory, f), Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))))
            .ToArray();

    private static async Task AssertRefusedAsync(string[] args, string artifacts, string expected)
    {
        var before = Contents(artifacts);
        var refused = await CliRun.RunAsync(args);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Equal("error: " + expected, Assert.Single(refused.ErrorLines));
        Assert.DoesNotContain("epoch 1 step", refused.Output);
        Assert.Equal(before, Contents(artifacts));
    }

    [Fact]
    public async Task TrainRefusesADataFileEditedInPlaceAndResumesTheSameRowsRequoted()
    {
        string data = Copy(_tiny.TrainCsv, "train.csv");
        Assert.Equal(0, (await CliRun.RunAsync(_tiny.TrainArgs(_work.Path, "--data", data, "--epochs", "1"))).ExitCode);
        string artifacts = _work.Combine("artifacts", "m");
        string original = File.ReadAllText(data);

        EditTexts(data);
        await AssertRefusedAsync(["train", "--resume", artifacts], artifacts,
            $"--data '{data}': holds other examples than the run in {artifacts} began with (its training part: 72 examples, as many as it began with, but other texts or labels, or the same ones in another order); {Restore}");

        // The same rows, every field quoted and lines ended in CRLF: the same examples, so the run resumes.
        File.WriteAllText(data, string.Concat(original.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => string.Join(',', line.Split(',').Select(field => $"\"{field}\"")) + "\r\n")));
        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
    }

    [Fact]
    public async Task TrainRefusesAValidationFileEditedInPlace()
    {
        string validation = Copy(_tiny.TestCsv, "validation.csv");
        Assert.Equal(0, (await CliRun.RunAsync(_tiny.TrainArgs(_work.Path, "--validation", validation, "--epochs", "1"))).ExitCode);
        string artifacts = _work.Combine("artifacts", "m");

        EditTexts(validation);
        await AssertRefusedAsync(["train", "--resume", artifacts], artifacts,
            $"--validation '{validation}': holds other examples than the run in {artifacts} began with (40 examples, as many as it began with, but other texts or labels, or the same ones in another order); {Restore}");
    }

    /// <summary>A run whose settings.json has no digests (recorded before 2026-12-05) resumes on the file as it is now, as it did.</summary>
    [Fact]
    public async Task TrainResumesARunRecordedWithoutTheDigests()
    {
        string data = Copy(_tiny.TrainCsv, "train.csv");
        Assert.Equal(0, (await CliRun.RunAsync(_tiny.TrainArgs(_work.Path, "--data", data, "--epochs", "1"))).ExitCode);
        string artifacts = _work.Combine("artifacts", "m");
        string record = Path.Combine(artifacts, TrainingArtifacts.SettingsRecordFile);
        var settings = JsonNode.Parse(File.ReadAllText(record))!.AsObject();
        Assert.True(settings.Remove("data"));
        File.WriteAllText(record, settings.ToJsonString());

        EditTexts(data);
        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
    }

    /// <summary>
    /// Artifacts from <c>ortagent artifacts</c> record no data and no step went into them: train without --data asked
    /// for "the --data it began with", naming the embedded sample's path inside the program's build output.
    /// </summary>
    [Fact]
    public async Task TrainingGeneratedArtifactsWithoutDataAsksForTheDataToTrainThemOn()
    {
        string artifacts = _work.Combine("artifacts", "generated");
        Assert.Equal(0, (await CliRun.RunAsync(["artifacts", "--base", _tiny.BaseModel, "--labels", "negative", "positive", "--output", artifacts])).ExitCode);

        await AssertRefusedAsync(["train", "--resume", artifacts], artifacts,
            $"--data is needed to train the artifacts in {artifacts}: nothing has trained them yet and they record no data file (as 'ortagent artifacts' writes them); "
            + "give the --data to train them on, and --validation if it has one");
    }

    /// <summary>
    /// A run that records no data file (data.txt came on 2026-12-04) resumed without --data read the embedded sample, not
    /// what it began with, trained on it and exported a model chosen by it without a word; it is refused, and given its
    /// --data it resumes.
    /// </summary>
    [Fact]
    public async Task TrainRefusesToResumeARunRecordedWithoutItsDataFileUnlessGivenTheData()
    {
        string data = Copy(_tiny.TrainCsv, "train.csv");
        Assert.Equal(0, (await CliRun.RunAsync(_tiny.TrainArgs(_work.Path, "--data", data, "--epochs", "1"))).ExitCode);
        string artifacts = _work.Combine("artifacts", "m");
        File.Delete(Path.Combine(artifacts, TrainingArtifacts.DataRecordFile));

        await AssertRefusedAsync(["train", "--resume", artifacts], artifacts,
            $"--data is needed to resume the run in {artifacts}: it records no data file (begun by the library); "
            + $"give the --data it began with ({OrtAgent.Data.DefaultDataset.FilePath} if the embedded sample), and its --validation if it had one");

        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts, "--data", data]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Reading {data} ...", resumed.Output);
    }

    /// <summary>
    /// A run whose recorded data file was moved was refused as "{path}: file not found", a path the user never typed; it
    /// is said as the run's recorded data, with the option that gives its new path, which then resumes.
    /// </summary>
    [Fact]
    public async Task TrainWhoseRecordedDataWasMovedAsksForItsNewPathAndResumesOnIt()
    {
        string data = Copy(_tiny.TrainCsv, "tiny2.csv"), moved = _work.Combine("tiny2-moved.csv");
        Assert.Equal(0, (await CliRun.RunAsync(_tiny.TrainArgs(_work.Path, "--data", data, "--epochs", "1"))).ExitCode);
        string artifacts = _work.Combine("artifacts", "m");
        File.Move(data, moved);

        await AssertRefusedAsync(["train", "--resume", artifacts], artifacts,
            $"--data is needed to resume the run in {artifacts}: its recorded data file {data} does not exist; if it was moved, pass --data NEWPATH");

        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts, "--data", moved]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
    }

    /// <summary>
    /// A distillation whose teacher folder was moved: resumed without --teacher it was refused as "--teacher DIR: does not
    /// exist", a --teacher never typed, and with the new folder as "distils DIR, which a resumed run keeps". The run
    /// records its teacher's digest, so the same teacher elsewhere resumes (and is recorded there); another one, or any
    /// other folder for a run that recorded no digest, is refused as before.
    /// </summary>
    [Fact]
    public async Task DistillResumesWithItsTeacherMovedAndRefusesAnotherTeacher()
    {
        string tch = _work.Combine("models", "tch"), moved = _work.Combine("models", "tch-moved"), other = _work.Combine("models", "tch-other");
        foreach (var folder in new[] { tch, other })
        {
            Directory.CreateDirectory(folder);
            foreach (var file in Directory.GetFiles(teacher.Teacher)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        // The same teacher but for one metadata entry: another model.onnx.
        var edited = OrtAgent.Onnx.OnnxModel.Load(Path.Combine(other, "model.onnx"));
        edited.Metadata["note"] = "another teacher";
        edited.Save(Path.Combine(other, "model.onnx"));
        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--teacher", tch, "--epochs", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());
        string artifacts = _work.Combine("artifacts", "student");
        Directory.Move(tch, moved);

        await AssertRefusedAsync(["distill", "--resume", artifacts], artifacts,
            $"--resume {artifacts}: the run's recorded teacher {tch} does not exist; if it was moved, pass --teacher NEWPATH (the run checks it is the same model by the digest it recorded)");
        var refused = await CliRun.RunAsync(["distill", "--resume", artifacts, "--teacher", other]);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Matches($"^{Regex.Escape($"error: --teacher '{other}': the run in {artifacts} distils {tch} (model.onnx and vocab.txt of SHA-256 ")}[0-9a-f]{{12}}…; "
            + $"this one's are [0-9a-f]{{12}}…{Regex.Escape("), which a resumed run keeps; leave the teacher as it was to resume, or start a new run")}$", Assert.Single(refused.ErrorLines));

        var resumed = await CliRun.RunAsync(["distill", "--resume", artifacts, "--teacher", moved]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        string record = Path.Combine(artifacts, TrainingArtifacts.StudentRecordFile);
        Assert.Equal(moved, File.ReadAllLines(record)[0]);

        // A record without the digest (before 2026-12-07): the teacher is known by its folder only.
        File.WriteAllLines(record, File.ReadAllLines(record)[..3]);
        Directory.Move(moved, tch);
        await AssertRefusedAsync(["distill", "--resume", artifacts], artifacts,
            $"--resume {artifacts}: the run's recorded teacher {moved} does not exist; the run (begun before 2026-12-07) records no digest to know the teacher by elsewhere: "
            + "put it back there to resume, or start a new run");
        await AssertRefusedAsync(["distill", "--resume", artifacts, "--teacher", tch], artifacts,
            $"--teacher '{tch}': the run in {artifacts} distils {moved}, which a resumed run keeps; leave the teacher as it was to resume, or start a new run");
    }

    [Fact]
    public async Task DistillRefusesADataFileEditedInPlace()
    {
        string data = Copy(teacher.TrainCsv, "train.csv");
        var run = await CliRun.RunAsync(teacher.DistillArgs(_work.Path, "--data", data, "--epochs", "1"));
        Assert.True(run.ExitCode == 0, run.ToString());
        string artifacts = _work.Combine("artifacts", "student");

        EditTexts(data);
        await AssertRefusedAsync(teacher.DistillArgs(_work.Path, "--resume", artifacts, "--data", data, "--epochs", "1"), artifacts,
            $"--data '{data}': holds other examples than the run in {artifacts} began with (its training part: 72 examples, as many as it began with, but other texts or labels, or the same ones in another order); {Restore}");
    }
}
