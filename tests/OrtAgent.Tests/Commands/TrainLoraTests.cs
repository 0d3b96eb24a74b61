using OrtAgent.Runtime;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.Commands;

/// <summary><c>train --lora-rank</c> end to end on the tiny model: a plain exported model and a card that says what was trained.</summary>
public sealed class TrainLoraTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task TrainsAdaptersAndExportsAPlainModelWithALoraModelCard()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--lora-rank", "4", "--lora-alpha", "8", "--lora-targets", "query,value,intermediate", "--lr", "1e-2"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var artifacts = TrainingArtifacts.Open(_work.Combine("artifacts", "m"));
        Assert.Equal(["query", "value", "intermediate"], artifacts.Properties.Lora!.Targets);
        Assert.Equal(artifacts.Properties.TrainableParameters, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Names);
        Assert.DoesNotContain(artifacts.Properties.TrainableParameters, n => n.EndsWith(".weight") && n.StartsWith("encoder."));

        var model = _work.Combine("models", "m");
        var card = File.ReadAllText(Path.Combine(model, "README.md"));
        Assert.Contains("## LoRA", card);
        Assert.Contains("| rank | 4 |", card);
        Assert.Contains("| targets | query, value, intermediate (6 weights) |", card);
        // 2 layers × (query 32·4 + 4·32, value the same, intermediate 32·4 + 4·64) = 2 × 896 in adapters, plus the 32·2 + 2 head.
        Assert.Contains("| trainable parameters | 1,858 (1,792 in adapters, the rest in the head) |", card);
        using var classifier = TextClassifier.Load(model);
        Assert.Equal(["negative", "positive"], classifier.Info.Labels);
        Assert.DoesNotContain(Onnx.OnnxModel.Load(Path.Combine(model, "model.onnx")).Graph.Initializers, v => v.Name.Contains("lora"));
    }
}
