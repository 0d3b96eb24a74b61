using System.Text.Json.Nodes;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// The contrastive temperature on resume is held to what each loss reads: a supervised contrastive run left at the
/// default resumes with the temperature unset or set to it, and a cosine run, which reads none, is not compared on it
/// (its record of 2026-12-06 holds 0.07, and a changed record was refused as a changed setting).
/// </summary>
public sealed class TextClassifierContrastiveTemperatureTests : IDisposable
{
    private readonly TempDirectory _root = new("text-classifier-contrastive-temperature");
    private readonly string _base;

    public TextClassifierContrastiveTemperatureTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TextClassifierTrainingOptions Options(string name, ContrastiveLoss loss)
    {
        var options = TextClassifierTrainerTests.Options(_base, _root, name, TrainingMethod.Contrastive);
        return options with { Contrastive = options.Contrastive with { Loss = loss, PairRounds = 4 } };
    }

    [Fact]
    public void ASupervisedContrastiveRunAtTheDefaultTemperatureResumesWithItUnsetOrSetToIt()
    {
        var training = TextClassifierTrainerTests.Reviews(8, 3);
        var options = Options("supcon", ContrastiveLoss.SupervisedContrastive);
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 1);

        TextClassifierTrainerTests.TrainAndCancel(options with { Contrastive = options.Contrastive with { Temperature = 0.07 } }, training, steps: 2);
        Assert.True(TextClassifierTrainer.Train(options, training).Resumed);
    }

    [Fact]
    public void ACosineRunIsNotComparedOnATemperatureItNeverReads()
    {
        var training = TextClassifierTrainerTests.Reviews(8, 3);
        var options = Options("cosine", ContrastiveLoss.CosineSimilarity);
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 1);
        // As a run of 2026-12-06 recorded it, or as edited by hand: the cosine loss never read it.
        string record = Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.SettingsRecordFile);
        var json = JsonNode.Parse(File.ReadAllText(record))!;
        json["contrastive"]!["temperature"] = 0.5;
        File.WriteAllText(record, json.ToJsonString());

        Assert.True(TextClassifierTrainer.Train(options, training).Resumed);
    }
}
