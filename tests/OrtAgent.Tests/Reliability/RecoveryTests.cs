using System.Diagnostics;
using OrtAgent.FineTuning;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// What a run finds after an earlier one died: a truncated checkpoint (exit 2, not an internal error), leftovers of
/// dead processes (removed, a live one's kept) and a metrics log with steps past the checkpoint (trimmed). Also the
/// wrong answers found on the CLI side: binary bytes echoed in messages, and whitespace-only texts.
/// </summary>
public sealed class RecoveryTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task ResumingATruncatedCheckpointIsExit2SayingItIsDamaged()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var weights = _work.Combine("artifacts", "m", "checkpoint", "model.safetensors");
        using (var stream = new FileStream(weights, FileMode.Open)) stream.SetLength(stream.Length / 2);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--resume", _work.Combine("artifacts", "m")));

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains($"the checkpoint in '{_work.Combine("artifacts", "m")}' is damaged:", line);
        Assert.Contains("the tensors cover", line);
        Assert.False(line.EndsWith('.'), line);   // one line in the house style, the reader's words included
        Assert.DoesNotContain("Reading ", run.Output);
    }

    [Fact]
    public async Task AnExportRemovesTheStagingOfADeadProcessAndKeepsALiveOnes()
    {
        int dead = DeadProcessId();
        using var alive = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            var output = _work.Combine("models", "m");
            var deadStaging = Directory.CreateDirectory(output + $".tmp-{dead}").FullName;
            File.WriteAllText(Path.Combine(deadStaging, "model.onnx"), "half");
            var liveStaging = Directory.CreateDirectory(output + $".tmp-{alive.Id}").FullName;

            var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.False(Directory.Exists(deadStaging));
            Assert.True(Directory.Exists(liveStaging));
        }
        finally
        {
            alive.Kill();
        }
    }

    [Fact]
    public void MetricsPastTheResumedCheckpointAreCutOffAndAppendedAgain()
    {
        var path = _work.Combine("metrics.jsonl");
        File.WriteAllLines(path,
        [
            """{"type":"step","epoch":1,"step":1,"loss":0.9}""",
            """{"type":"step","epoch":1,"step":2,"loss":0.8}""",
            """{"type":"eval","epoch":1,"step":2,"accuracy":0.5}""",
            """{"type":"step","epoch":2,"step":3,"loss":0.7}""",   // after the checkpoint at step 2: logged again on resume
            """{"type":"message","message":"late"}""",
            """{"type":"step","epoch":2,"st""",                     // cut short by the kill
        ]);

        using (var log = new MetricsLog(path, resumedAtStep: 2))
            log.OnMessage("resumed");

        Assert.Equal(
        [
            """{"type":"step","epoch":1,"step":1,"loss":0.9}""",
            """{"type":"step","epoch":1,"step":2,"loss":0.8}""",
            """{"type":"eval","epoch":1,"step":2,"accuracy":0.5}""",
            """{"type":"message","message":"resumed"}""",
        ], File.ReadAllLines(path));
    }

    /// <summary>
    /// The chart of a resumed run began at the resumed epoch (its series started empty), and a finished run resumed to
    /// export again drew a blank one over the good chart; a finished contrastive run logged its head's evaluation again.
    /// </summary>
    [Fact]
    public void AResumedLogKeepsTheSeriesOfTheStepsBeforeTheResumeAndLogsAnEvaluationOnce()
    {
        var path = _work.Combine("metrics.jsonl");
        File.WriteAllLines(path,
        [
            """{"type":"step","epoch":1,"step":1,"loss":0.9}""",
            """{"type":"step","epoch":1,"step":2,"loss":0.7}""",
            """{"type":"eval","epoch":1,"step":2,"loss":0.6,"accuracy":0.5}""",          // before evaluations recorded "monitored"
            """{"type":"message","message":"a message has no epoch"}""",
            """{"type":"step","epoch":2,"step":3,"loss":0.5}""",
            """{"type":"eval","epoch":2,"step":3,"loss":0.4,"accuracy":0.75,"monitored":0.625}""",
        ]);

        using (var log = new MetricsLog(path, resumedAtStep: 3))
        {
            Assert.Equal([(1, 0.8), (2, 0.5)], log.EpochLosses.Select(e => (e.Epoch, Math.Round(e.Loss, 6))));
            Assert.Equal([(1, 2L, 0.5, (double?)0.6), (2, 3L, 0.625, (double?)0.4)], log.Evaluations);
            var report = new OrtAgent.Training.Evaluation.ClassificationReportBuilder(["a", "b"]).Build();
            log.OnEvaluation(new OrtAgent.Training.Trainer.EvaluationInfo(2, 3, report, IsBest: true, 0.7));
            log.OnMessage("a message has no epoch");   // said again by the resumed run: kept once
            log.OnMessage("a new message");
        }

        Assert.Single(File.ReadAllLines(path), line => line.Contains("\"type\":\"eval\",\"epoch\":2", StringComparison.Ordinal));
        Assert.Single(File.ReadAllLines(path), line => line.Contains("a message has no epoch", StringComparison.Ordinal));
        Assert.Single(File.ReadAllLines(path), line => line.Contains("a new message", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0 }, "image.csv is not a text file (it holds NUL bytes, and byte 0x89 on line 1 is not UTF-8)")]
    [InlineData(new byte[] { (byte)'t', (byte)'e', (byte)'x', (byte)'t', 0x0A, (byte)'a', 0x1B, (byte)'[', (byte)'2', (byte)'J', 0xE9, 0x0A }, "image.csv line 2: byte 0xE9 after \"a?[2J\" is not UTF-8")]
    [InlineData(new byte[] { 0, 0, 0, 1, (byte)'a', 0x1B, (byte)'[', (byte)'2', (byte)'J', 0, 0, 0x0A, 1, 2 }, "among the columns (11 characters of binary data);")]
    public async Task ABinaryDataFileIsQuotedAsPrintableTextOnly(byte[] bytes, string expected)
    {
        var data = _work.Combine("image.csv");
        File.WriteAllBytes(data, bytes);

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--data", data));

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains(expected, line);
        Assert.DoesNotContain(line, c => char.IsControl(c) && c != '\r');
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public async Task PredictRefusesEmptyAndWhitespaceOnlyTextsAlike(string blank)
    {
        var run = await CliRun.RunAsync(["predict", "--model", tiny.BaseModel, "fine text", blank]);

        Assert.Equal(2, run.ExitCode);
        Assert.Matches(@"^error: text 2 of 2 is (empty|only whitespace); there is nothing to classify", Assert.Single(run.ErrorLines));
    }

    /// <summary>
    /// <c>export --explain --model DIR</c> writes into the live directory. Killed, it left <c>explain.onnx.tmp</c> (no
    /// process id, so nothing swept it), and every later export or train there was refused for a file "OrtAgent did not
    /// write". Its temporary now carries the process id and is swept; a read-only directory is one line, exit 2.
    /// </summary>
    [Fact]
    public async Task AKilledExplainGraphWriteLeavesNothingThatBlocksTheNextWriter()
    {
        Assert.Equal(0, (await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"))).ExitCode);
        var model = _work.Combine("models", "m");
        File.Delete(Path.Combine(model, "explain.onnx"));
        var leftover = Path.Combine(model, $".explain.onnx.tmp-{DeadProcessId()}");
        File.WriteAllText(leftover, "half");

        var retrain = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1", "--no-explain"));
        Assert.True(retrain.ExitCode == 0, retrain.ToString());
        Assert.False(File.Exists(leftover));

        File.WriteAllText(leftover, "half");
        var add = await CliRun.RunAsync(["export", "--explain", "--model", model]);
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.False(File.Exists(leftover));
        Assert.Equal(["README.md", "explain.onnx", "metrics.jsonl", "model.onnx", "training_curve.png", "vocab.txt"],
            Directory.GetFiles(model).Select(Path.GetFileName).Where(f => !f!.StartsWith('.')).Order(StringComparer.Ordinal));
        Assert.Equal([".ortagent-files.json"], Directory.GetFiles(model).Select(Path.GetFileName).Where(f => f!.StartsWith('.')));
    }

    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true"))!;
        process.WaitForExit();
        return process.Id;
    }
}
