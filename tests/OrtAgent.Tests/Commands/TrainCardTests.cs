using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.Commands;

/// <summary>What <c>train</c>'s model cards say of how the run trained, in every card it and an export write.</summary>
public sealed class TrainCardTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// A tester froze the embeddings and both layers and found no word of it in any card (<c>grep -ci froz</c>: 0), though
    /// <c>properties.json</c> records it; and the run printed "training 3 epochs to take at least 20 steps" where the card
    /// said "1 (at least 20 steps)". The exported card, the run's records of it (as it starts and as it ends) and an
    /// <c>export --checkpoint</c> card give both.
    /// </summary>
    [Fact]
    public async Task EveryCardOfAFrozenRunSaysWhatItFrozeAndTheEpochsItTook()
    {
        // 72 training examples at batch 8: 9 steps an epoch, so 3 epochs take at least 20.
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path,
            "--freeze", "embeddings", "--freeze-layers", "0-1", "--encoder-dropout", "0.1", "--epochs", "1", "--min-steps", "20"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("training 3 epochs to take at least 20 steps", run.Output);

        var artifacts = _work.Combine("artifacts", "m");
        var properties = TrainingArtifacts.Open(artifacts).Properties;
        Assert.Equal(["embeddings", "encoder.layer.0.*", "encoder.layer.1.*"], properties.Freeze);
        string frozen = $"| frozen | `embeddings`, `encoder.layer.0.*`, `encoder.layer.1.*` ({properties.FrozenParameters.Count} of " +
            $"{properties.FrozenParameters.Count + properties.TrainableParameters.Count} parameter tensors) |";
        const string Epochs = "| epochs | 3 (to take at least 20 steps; 1 asked for) |";

        var export = await CliRun.RunAsync(["export", "--checkpoint", artifacts, "--output", _work.Combine("models", "exported"), "--no-explain"]);
        Assert.True(export.ExitCode == 0, export.ToString());
        foreach (var card in new[]
                 {
                     _work.Combine("models", "m", "README.md"), Path.Combine(artifacts, TrainingArtifacts.ModelCardRecordFile),
                     Path.Combine(artifacts, TrainingArtifacts.StartingCardRecordFile), _work.Combine("models", "exported", "README.md"),
                 })
        {
            var hyperparameters = ModelCard.SectionsOf(File.ReadAllText(card))["Hyperparameters"].Split('\n');
            Assert.Contains(frozen, hyperparameters);
            Assert.Contains(Epochs, hyperparameters);
        }
    }
}
