using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Tests.Commands;

/// <summary><c>train --method contrastive|auto</c> on the tiny model: the two stages, the export, and what the card records.</summary>
public sealed class TrainContrastiveTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task ContrastiveTrainsAModelThatPredictAndEvalUseUnchanged()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "3", "--lr", "1e-3", "--head-c", "10"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Method: contrastive (asked for)", run.Output);
        Assert.Equal(TrainingObjective.PairSimilarity, TrainingArtifacts.Open(_work.Combine("artifacts", "m")).Properties.Objective);
        var model = _work.Combine("models", "m");
        var card = File.ReadAllText(Path.Combine(model, "README.md"));
        Assert.Contains("contrastive (asked for)", card);
        Assert.Contains("| pair rounds | 3 (432 pairs, half positive) |", card); // 72 training examples × 3 rounds × 2
        Assert.Contains("| head C | 10 (fixed) |", card);

        var predict = await CliRun.RunAsync(["predict", "--model", model, "what a great film", "an awful mess"]);
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var eval = await CliRun.RunAsync(["eval", "--model", model, "--data", tiny.TestCsv, "--json"]);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        double accuracy = System.Text.Json.JsonDocument.Parse(eval.Output).RootElement.GetProperty("accuracy").GetDouble();
        Assert.True(accuracy >= 0.9, $"test accuracy {accuracy}");
    }

    [Fact]
    public async Task AutoPicksContrastiveForFewExamplesPerClassAndSaysWhy()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "auto", "--pair-rounds", "1", "--head-c", "1"));

        Assert.True(run.ExitCode == 0, run.ToString());
        const string reason = "contrastive (auto: the smallest class has 36 training examples, fewer than 64)";
        Assert.Contains("Method: " + reason, run.Output);
        Assert.Contains(reason, File.ReadAllText(_work.Combine("models", "m", "README.md")));
    }
}
