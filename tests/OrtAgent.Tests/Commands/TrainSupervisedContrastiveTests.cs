using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>train --method contrastive --contrastive-loss supcon</c> on the tiny model: the artifacts, the recorded settings
/// and the card name the loss, a resumed run keeps it, and a temperature without it is refused.
/// </summary>
public sealed class TrainSupervisedContrastiveTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task ASupervisedContrastiveRunRecordsItsLossAndAResumedRunKeepsIt()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--contrastive-loss", "supcon", "--temperature", "0.1",
            "--pair-rounds", "1", "--lr", "1e-3", "--head-c", "10"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        var properties = TrainingArtifacts.Open(artifacts).Properties;
        Assert.Equal(TrainingArtifacts.PairSupervisedContrastiveLoss, properties.Loss);
        Assert.Equal(0.1f, properties.Temperature);
        var settings = File.ReadAllText(Path.Combine(artifacts, TrainingArtifacts.SettingsRecordFile));
        Assert.Contains("\"loss\": \"SupervisedContrastive\"", settings);
        Assert.Contains("\"temperature\": 0.1", settings);
        Assert.Contains("| stage-1 loss | supcon (temperature 0.1) |", File.ReadAllText(_work.Combine("models", "m", "README.md")));

        var cosine = await CliRun.RunAsync(["train", "--resume", artifacts, "--contrastive-loss", "cosine", "--output", _work.Combine("models", "cosine")]);
        Assert.True(cosine.ExitCode == 2, cosine.ToString());
        Assert.Equal($"error: --contrastive-loss cosine: the run in {artifacts} began with supcon, which a resumed run keeps; leave it out to resume, or start a new run",
            Assert.Single(cosine.ErrorLines));
        var warmer = await CliRun.RunAsync(["train", "--resume", artifacts, "--temperature", "0.2", "--output", _work.Combine("models", "warmer")]);
        Assert.True(warmer.ExitCode == 2, warmer.ToString());
        Assert.Equal($"error: --temperature 0.2: the run in {artifacts} began with 0.1, which a resumed run keeps; leave it out to resume, or start a new run",
            Assert.Single(warmer.ErrorLines));

        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts, "--output", _work.Combine("models", "again")]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(File.ReadAllBytes(_work.Combine("models", "m", "model.onnx")), File.ReadAllBytes(_work.Combine("models", "again", "model.onnx")));
        Assert.Contains("| stage-1 loss | supcon (temperature 0.1) |", File.ReadAllText(_work.Combine("models", "again", "README.md")));
    }

    [Fact]
    public async Task ATemperatureWithTheCosineLossIsRefused_NewOrResumed()
    {
        var fresh = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--temperature", "0.1"));
        Assert.True(fresh.ExitCode == 2, fresh.ToString());
        Assert.Equal("error: --temperature 0.1: applies to --contrastive-loss supcon; the cosine loss has no temperature", Assert.Single(fresh.ErrorLines));
        Assert.False(Directory.Exists(_work.Combine("artifacts", "m")), "artifacts were written");

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--method", "contrastive", "--pair-rounds", "1", "--lr", "1e-3", "--head-c", "10"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var artifacts = _work.Combine("artifacts", "m");
        Assert.Equal(TrainingArtifacts.PairCosineLoss, TrainingArtifacts.Open(artifacts).Properties.Loss);
        Assert.Null(TrainingArtifacts.Open(artifacts).Properties.Temperature);
        Assert.Contains("| stage-1 loss | cosine |", File.ReadAllText(_work.Combine("models", "m", "README.md")));
        var resumed = await CliRun.RunAsync(["train", "--resume", artifacts, "--temperature", "0.07", "--output", _work.Combine("models", "again")]);
        Assert.True(resumed.ExitCode == 2, resumed.ToString());
        Assert.Equal($"error: --temperature 0.07: applies to --contrastive-loss supcon; the run in {artifacts} trains with the cosine loss, which has no temperature",
            Assert.Single(resumed.ErrorLines));
    }
}
