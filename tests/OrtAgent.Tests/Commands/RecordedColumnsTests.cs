using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// A run on a file whose columns had to be named (<c>--text-column body --label-column queue</c>) records them, as it
/// records its data: <c>train --resume</c> alone, <c>distill</c> without <c>--data</c> (the teacher card's file) and
/// <c>distill --resume</c> alone read the file by them. Until 2026-12-07 each was refused as "no text column found",
/// naming an option the run had been given. Another column given on resume is refused as another data file is.
/// </summary>
public sealed class RecordedColumnsTests : IDisposable
{
    private readonly TempDirectory _work = new();
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose()
    {
        _tiny.Dispose();
        _work.Dispose();
    }

    /// <summary>The fixture's training CSV as a TSV with columns id, body and queue, none of them detected.</summary>
    private string WriteTickets()
    {
        var rows = File.ReadAllLines(_tiny.TrainCsv).Skip(1)
            .Select((line, i) => $"{i}\t{line[..line.LastIndexOf(',')]}\t{line[(line.LastIndexOf(',') + 1)..]}");
        var path = _work.Combine("tickets.tsv");
        File.WriteAllLines(path, ["id\tbody\tqueue", .. rows]);
        return path;
    }

    [Fact]
    public async Task ResumeAndDistillReadTheDataByTheColumnsTheRunNamed()
    {
        string tickets = WriteTickets(), artifacts = _work.Combine("artifacts", "m"), model = _work.Combine("models", "m");
        var trained = await CliRun.RunAsync(_tiny.TrainArgs(_work.Path, "--data", tickets, "--text-column", "body", "--label-column", "queue", "--epochs", "1"));
        Assert.True(trained.ExitCode == 0, trained.ToString());

        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Reading {tickets} ...", resumed.Output);

        // Repeating the first command's columns resumes too; another one is refused, as another --data is.
        var repeated = await CliRun.RunAsync(["train", "--resume", artifacts, "--text-column", "body"]);
        Assert.True(repeated.ExitCode == 0, repeated.ToString());
        var refused = await CliRun.RunAsync(["train", "--resume", artifacts, "--label-column", "id"]);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Equal($"error: --label-column 'id': the run in {artifacts} reads its labels from the column 'queue', which a resumed run keeps; leave it out to resume, or start a new run",
            Assert.Single(refused.ErrorLines));

        // The model card records the columns with the file, and distill without --data reads the file by them.
        Assert.Contains("- columns: text `body`, label `queue`", File.ReadAllText(Path.Combine(model, "README.md")));
        string[] distill = ["distill", "--teacher", model, "--layers", "1", "--epochs", "1", "--min-steps", "0", "--batch-size", "8",
            "--output", _work.Combine("models", "student"), "--artifacts-root", _work.Combine("artifacts")];
        var distilled = await CliRun.RunAsync(distill);
        Assert.True(distilled.ExitCode == 0, distilled.ToString());
        Assert.Contains($"Reading {tickets} ...", distilled.Output);

        var distillResumed = await CliRun.RunAsync(["distill", "--resume", _work.Combine("artifacts", "student")]);
        Assert.True(distillResumed.ExitCode == 0, distillResumed.ToString());
        Assert.Contains($"Reading {tickets} ...", distillResumed.Output);
    }
}
