using OrtAgent.FineTuning;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>export --checkpoint</c> of a run that has not finished (stopped, killed, or training now): its card, its log and
/// chart, and what an export killed part-way leaves.
/// </summary>
public sealed class ExportUnfinishedRunTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private string Artifacts => _work.Combine("artifacts", "m");

    // Two epochs of 9 steps, stopped at the first evaluation (epoch 1's end): the run stops part-way through.
    private string[] Args => tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0");

    private async Task<CliRun> ExportAsync(string name, params string[] extra)
    {
        var export = await CliRun.RunAsync(["export", "--checkpoint", Artifacts, "--output", _work.Combine("models", name), "--no-explain", .. extra]);
        Assert.True(export.ExitCode == 0, export.ToString());
        return export;
    }

    /// <summary>Trains with <paramref name="args"/>, stops it at its first evaluation, exports it as "unfinished" and returns that card, said to be of a run not yet finished.</summary>
    private async Task<string> StopAndExportUnfinishedAsync(string[] args)
    {
        var stopped = await CliRun.RunCancelledOnAsync(args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        await ExportAsync("unfinished", "--latest");
        var card = CardOf("unfinished");
        Assert.Contains(", before the run had finished.", Section(card, "Export"));
        Assert.DoesNotContain("## Run\n", card);
        return card;
    }

    private string CardOf(string name) => File.ReadAllText(_work.Combine("models", name, "README.md")).ReplaceLineEndings("\n");

    private static string Section(string card, string title)
    {
        int start = card.IndexOf($"## {title}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {title} section in:\n{card}");
        int end = card.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        return card[start..(end < 0 ? card.Length : end)].TrimEnd();
    }

    /// <summary>
    /// The card was written only once the run had trained, so an export of a stopped or killed run had the labels and
    /// metrics and no method, data or hyperparameters. The run records them as it starts: the export's sections are
    /// those the finished run's card then has, and it says the run had not finished. Artifacts of runs begun before
    /// that record export as they did.
    /// </summary>
    [Fact]
    public async Task AnUnfinishedRunsCardSaysTheMethodDataAndHyperparametersItsFinishedCardWill()
    {
        var card = await StopAndExportUnfinishedAsync(Args);

        // As a run begun before the record left its artifacts: exported as before, with no word of its settings.
        var record = Path.Combine(Artifacts, TrainingArtifacts.StartingCardRecordFile);
        File.Move(record, record + ".aside");
        await ExportAsync("older", "--latest");
        var older = CardOf("older");
        foreach (var title in new[] { "## Method", "## Data", "## Hyperparameters" })
            Assert.DoesNotContain(title, older);
        Assert.DoesNotContain("before the run had finished", older);
        File.Move(record + ".aside", record);

        // The same run, not stopped: its card's sections are those the stopped run's export had.
        var finished = await CliRun.RunAsync(Args);
        Assert.True(finished.ExitCode == 0, finished.ToString());
        var finishedCard = File.ReadAllText(_work.Combine("models", "m", "README.md")).ReplaceLineEndings("\n");
        foreach (var title in new[] { "Method", "Data", "Hyperparameters" })
            Assert.Equal(Section(finishedCard, title), Section(card, title));
        Assert.Contains("- training: `", Section(card, "Data"));
    }

    /// <summary>
    /// A LoRA run records no LoRA section as it starts (its count of trained parameters waits for weights): an export of
    /// it stopped part-way adds one from the adapters it exports, merged into <c>model.onnx</c>. That section, and the
    /// method, data and hyperparameters (LoRA's learning rate among them), are those the finished run's card has.
    /// </summary>
    [Fact]
    public async Task AnUnfinishedLoraRunsCardHasTheLoraSectionItsFinishedCardWill()
    {
        string[] args = tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0", "--lora-rank", "4", "--lora-alpha", "8", "--lr", "1e-2");
        var card = await StopAndExportUnfinishedAsync(args);
        var lora = Section(card, "LoRA");
        Assert.Contains("| rank | 4 |", lora);
        Assert.Contains("| alpha | 8 (scale 2) |", lora);

        var finished = await CliRun.RunAsync(args);
        Assert.True(finished.ExitCode == 0, finished.ToString());
        var finishedCard = File.ReadAllText(_work.Combine("models", "m", "README.md")).ReplaceLineEndings("\n");
        foreach (var title in new[] { "Method", "Data", "Hyperparameters", "LoRA" })
            Assert.Equal(Section(finishedCard, title), Section(card, title));
    }

    /// <summary>
    /// The chart was copied as the run last drew it, which can show epochs past the exported weights (and a run stopped
    /// before its end had none to copy). It is drawn again from the log the export ships, which ends at the exported step.
    /// </summary>
    [Fact]
    public async Task TheExportedChartIsDrawnFromTheExportedLog()
    {
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        // A chart showing an epoch the checkpoint never reached, as one drawn from a log that ran past it.
        var ahead = _work.Combine("ahead.jsonl");
        File.WriteAllLines(ahead, [.. File.ReadAllLines(Path.Combine(Artifacts, MetricsLog.FileName)),
            "{\"type\":\"step\",\"epoch\":7,\"step\":70,\"loss\":0.01,\"learning_rate\":0.001,\"grad_norm\":0.1,\"samples_per_second\":100}"]);
        using (var aheadSeries = new MetricsLog(ahead, resumedAtStep: long.MaxValue, ValidationMetric.Accuracy))
            TrainingCurveChart.Save(Path.Combine(Artifacts, TrainingCurveChart.FileName), aheadSeries, ValidationMetric.Accuracy);

        await ExportAsync("unfinished", "--latest");

        var exported = _work.Combine("models", "unfinished");
        var redrawn = _work.Combine("redrawn.png");
        var shipped = _work.Combine("shipped.jsonl");
        File.Copy(Path.Combine(exported, MetricsLog.FileName), shipped);
        using (var series = new MetricsLog(shipped, resumedAtStep: long.MaxValue, ValidationMetric.Accuracy))
            TrainingCurveChart.Save(redrawn, series, ValidationMetric.Accuracy);
        var chart = File.ReadAllBytes(Path.Combine(exported, TrainingCurveChart.FileName));
        Assert.Equal(File.ReadAllBytes(redrawn), chart);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(Artifacts, TrainingCurveChart.FileName)), chart);
    }

    /// <summary>
    /// The trimmed log was copied into a folder of its own under the system's temporary folder, which an export killed
    /// meanwhile left there for good. It is written inside the export's own staging folder, which the next export's
    /// sweep of dead writers' leftovers removes.
    /// </summary>
    [Fact]
    public async Task AnExportKilledPartWayLeavesNothingInTheTemporaryFolderAndTheNextOneSweepsItsStaging()
    {
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        var temporary = _work.Combine("tmp");
        Directory.CreateDirectory(temporary);
        string[] export = ["export", "--checkpoint", Artifacts, "--output", _work.Combine("exports", "x"), "--no-explain", "--latest"];
        var crash = new OrtAgentProcess { Environment = { [CrashPoint.Variable] = CrashPoint.ExportModelWritten, ["TMPDIR"] = temporary } };

        var killed = await crash.RunAsync(export);

        Assert.True(killed.ExitCode != 0 && killed.Error.Contains($"crash point {CrashPoint.ExportModelWritten}:1 reached", StringComparison.Ordinal), killed.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(temporary, "ortagent-export-*"));
        Assert.StartsWith("x.tmp-", Path.GetFileName(Assert.Single(Directory.GetDirectories(_work.Combine("exports")))));

        var again = await CliRun.RunAsync(export);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(["x"], Directory.GetFileSystemEntries(_work.Combine("exports")).Select(Path.GetFileName));
    }
}
