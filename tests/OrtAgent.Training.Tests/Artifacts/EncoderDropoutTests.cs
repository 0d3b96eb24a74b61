using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests;

/// <summary>
/// <see cref="TrainingArtifactsOptions.EncoderDropoutRatio"/> on a tiny BERT of 2 layers: BERT's 1 + 3 × 2 dropout sites in
/// the training graph only, none by default, live in training, and a run that still learns.
/// </summary>
public sealed class EncoderDropoutTests : IDisposable
{
    private const int Sites = 1 + 3 * 2; // the embeddings' LayerNorm; per layer the softmax and the two output projections

    private readonly TempDirectory _root = new("encoder-dropout");
    private readonly string _base;

    public EncoderDropoutTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private static readonly long[,] Ids = { { 2, 10, 11, 12, 3 }, { 2, 20, 21, 3, 0 }, { 2, 30, 3, 0, 0 } };
    private static readonly long[,] Mask = { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 0 }, { 1, 1, 1, 0, 0 } };

    private TrainingArtifacts Generate(string name, float encoderDropout) => TrainingArtifacts.Generate(new TrainingArtifactsOptions
    {
        BaseModel = _base, Labels = ["no", "yes"], Seed = 3, DropoutRatio = 0f, EncoderDropoutRatio = encoderDropout,
    }, _root.Combine(name));

    private static int Draws(string modelPath) => OnnxModel.Load(modelPath).Graph.Nodes.Count(n => n.OpType == "RandomUniformLike");

    [Fact]
    public void ByDefaultNoGraphDrawsAndThePropertiesDoNotMentionIt()
    {
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = _base }, _root.Combine("default"));
        Assert.Equal(0f, new TrainingArtifactsOptions { BaseModel = _base }.EncoderDropoutRatio);
        Assert.Equal(0, Draws(artifacts.TrainingModelPath));
        Assert.Equal(0, Draws(artifacts.EvalModelPath));
        Assert.Equal(0f, artifacts.Properties.EncoderDropoutRatio);
        Assert.DoesNotContain("encoder_dropout", File.ReadAllText(Path.Combine(artifacts.Directory, "checkpoint", "properties.json")));
    }

    [Fact]
    public void EverySiteOfTheTrainingGraphDropsAndTheEvalGraphIsTheOneWithout()
    {
        var artifacts = Generate("on", 0.1f);
        var training = OnnxModel.Load(artifacts.TrainingModelPath).Graph;
        var draws = training.Nodes.Where(n => n.OpType == "RandomUniformLike").ToList();
        Assert.Equal(Sites, draws.Count);
        Assert.Equal(Sites, draws.Select(n => n.FloatAttribute("seed", 0)).Distinct().Count());
        // Each site's readers read the dropped value: a softmax output, for one, feeds only its dropout.
        var consumers = training.Consumers();
        foreach (var softmax in training.Nodes.Where(n => n.OpType == "Softmax"))
            Assert.All(consumers[softmax.Outputs[0]], reader => Assert.Contains(reader.OpType, new[] { "RandomUniformLike", "Mul" }));
        Assert.Equal(0.1f, TrainingArtifacts.Open(artifacts.Directory).Properties.EncoderDropoutRatio);

        var eval = OnnxModel.Load(artifacts.EvalModelPath).Graph;
        var evalWithout = OnnxModel.Load(Generate("off", 0f).EvalModelPath).Graph;
        Assert.Equal(evalWithout.Nodes.Select(n => n.OpType), eval.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void TheTrainingGraphDrawsNewMasksEachRunAndTheEvalGraphDoesNot()
    {
        var artifacts = Generate("live", 0.3f);
        var parameters = ArtifactFeeds.CheckpointParameters(artifacts);
        var batch = ArtifactFeeds.Batch(Ids, Mask, TensorData.Vector(0L, 1L, 1L));
        using var eval = OnnxRunner.FromFile(artifacts.EvalModelPath);
        var evalFeeds = ArtifactFeeds.WithParameters(batch, artifacts, parameters, training: false);
        var first = eval.Run(evalFeeds, ["logits"])["logits"].ToDoubles();
        Assert.Equal(first, eval.Run(evalFeeds, ["logits"])["logits"].ToDoubles());
        // The head's dropout is 0, so only the encoder's can move the training logits.
        using var training = OnnxRunner.FromFile(artifacts.TrainingModelPath);
        var trainFeeds = ArtifactFeeds.WithParameters(batch, artifacts, parameters, training: true);
        var a = training.Run(trainFeeds, ["logits"])["logits"].ToDoubles();
        var b = training.Run(trainFeeds, ["logits"])["logits"].ToDoubles();
        Assert.NotEqual(a, b);
        Assert.NotEqual(first, a);
    }

    [Fact]
    public void ARunWithEncoderDropoutStillLearnsAndExportsNone()
    {
        var artifacts = Generate("run", 0.1f);
        var observer = new RecordingObserver();
        FineTuningResult result;
        using (var session = TrainingSession.Create(artifacts, new OrtSessionSettings()))
        {
            var options = new FineTuningOptions { Epochs = 4, BatchSize = 8, LearningRate = 1e-2, WarmupRatio = 0.1, Seed = 11, Metric = ValidationMetric.Accuracy };
            result = new FineTuner(session, options, ["no", "yes"], padId: 0, observer).Run(FineTunerTests.Synthetic(96, 1), FineTunerTests.Synthetic(32, 2), null, default);
        }
        double first = observer.Steps.Take(3).Average(s => s.Loss), last = observer.Steps.TakeLast(3).Average(s => s.Loss);
        Assert.True(last < first * 0.9, $"loss went from {first:F4} to {last:F4}");

        var exported = _root.Combine("model");
        ModelExporter.Export(artifacts, result.BestParameters, new ExportOptions { WriteExplainGraph = false }, exported);
        Assert.Equal(0, Draws(Path.Combine(exported, ModelContract.ModelFile)));
    }

    [Theory]
    [InlineData(1f, "1")]
    [InlineData(-0.1f, "-0.1")]
    [InlineData(float.NaN, "NaN")]
    public void ARatioOutsideZeroToOneIsRefusedByNameAndNothingIsWritten(float ratio, string shown)
    {
        var directory = _root.Combine("refused");
        var refusal = Assert.Throws<InvalidOptionException>(() => TrainingArtifacts.Generate(
            new TrainingArtifactsOptions { BaseModel = _base, EncoderDropoutRatio = ratio }, directory));
        Assert.Equal($"TrainingArtifactsOptions.EncoderDropoutRatio = {shown}: must be at least 0 and below 1", refusal.Message);
        Assert.False(Directory.Exists(directory));
    }
}
