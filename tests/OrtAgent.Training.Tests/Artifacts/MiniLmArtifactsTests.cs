using System.Diagnostics;
using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests;

[Collection(MiniLmCollection.Name)]
public class MiniLmArtifactsTests(PackagedEncoders miniLm, ITestOutputHelper output)
{
    // Four sentences as WordPiece ids (< 30522): [CLS] … [SEP], padded with 0.
    private static readonly long[,] Ids =
    {
        { 101, 1045, 2293, 2023, 3185, 102, 0, 0 },
        { 101, 2023, 2001, 1037, 6659, 2154, 102, 0 },
        { 101, 2307, 2147, 102, 0, 0, 0, 0 },
        { 101, 1045, 2106, 2025, 2066, 2009, 2012, 102 },
    };

    private static readonly long[,] Mask =
    {
        { 1, 1, 1, 1, 1, 1, 0, 0 },
        { 1, 1, 1, 1, 1, 1, 1, 0 },
        { 1, 1, 1, 1, 0, 0, 0, 0 },
        { 1, 1, 1, 1, 1, 1, 1, 1 },
    };

    [Fact]
    public void MiniLmArtifactsRunARealBatchWithFiniteGradientsForEveryParameter()
    {
        var clock = Stopwatch.StartNew();
        var artifacts = TrainingArtifacts.Generate(
            new TrainingArtifactsOptions { BaseModel = miniLm.MiniLmDirectory, NumLabels = 2 }, miniLm.NewTempFolder());
        output.WriteLine($"Generate (MiniLM-L6, all {artifacts.Properties.TrainableParameters.Count} parameters trainable): {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var path in Directory.GetFiles(artifacts.Directory, "*", SearchOption.AllDirectories).Order())
            output.WriteLine($"  {Path.GetRelativePath(artifacts.Directory, path)}: {new FileInfo(path).Length / 1e6:F2} MB");
        foreach (var path in new[] { artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath })
            output.WriteLine($"  {Path.GetFileName(path)}: {OnnxModel.Load(path).Graph.Nodes.Count} nodes");
        CudaKernelCoverageTests.AssertEveryOpHasACudaKernel(artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath);

        var trainable = artifacts.Properties.TrainableParameters;
        Assert.Equal(103, trainable.Count); // 5 embedding tensors + 6 layers × 16 + classifier weight and bias; the unused pooler is dropped
        Assert.Contains("encoder.layer.0.attention.self.query.weight", trainable);
        Assert.DoesNotContain("pooler.dense.weight", trainable);

        clock.Restart();
        using var eval = OnnxRunner.FromFile(artifacts.EvalModelPath);
        using var optimizer = OnnxRunner.FromFile(artifacts.OptimizerModelPath);
        using var training = OnnxRunner.FromFile(artifacts.TrainingModelPath);
        output.WriteLine($"Three sessions created with ORT_ENABLE_ALL: {clock.Elapsed.TotalSeconds:F1} s");

        var parameters = ArtifactFeeds.CheckpointParameters(artifacts);
        var feeds = ArtifactFeeds.WithParameters(ArtifactFeeds.Batch(Ids, Mask, TensorData.Vector(1L, 0L, 1L, 0L)), artifacts, parameters, training: true);
        training.Run(feeds); // warm-up
        clock.Restart();
        const int runs = 3;
        Dictionary<string, TensorData> outputs = [];
        for (int i = 0; i < runs; i++) outputs = training.Run(feeds);
        output.WriteLine($"Training step, batch 4 × 8 tokens, CPU: {clock.Elapsed.TotalMilliseconds / runs:F0} ms (mean of {runs}, incl. copying 90 MB of parameters in and gradients out)");

        double loss = outputs["loss"].ToDoubles().Single();
        output.WriteLine($"Initial loss {loss:F4} (ln 2 = {Math.Log(2):F4})");
        Assert.InRange(loss, Math.Log(2) - 0.1, Math.Log(2) + 0.1);
        foreach (var name in trainable)
        {
            var gradient = outputs[name + "_grad"];
            Assert.Equal(parameters[name].Dims, gradient.Dims);
            Assert.True(gradient.ToDoubles().All(double.IsFinite), $"{name}_grad is not finite");
        }
        Assert.Contains(outputs["classifier.weight_grad"].ToDoubles(), x => x != 0);
        Assert.Contains(outputs["encoder.layer.0.attention.self.query.weight_grad"].ToDoubles(), x => x != 0);

        var evalLoss = eval.Run(ArtifactFeeds.WithParameters(ArtifactFeeds.Batch(Ids, Mask, TensorData.Vector(1L, 0L, 1L, 0L)), artifacts, parameters, training: false))["loss"];
        Assert.InRange(evalLoss.ToDoubles().Single(), Math.Log(2) - 0.1, Math.Log(2) + 0.1);
    }
}

[Collection(MiniLmCollection.Name)]
public class ArcticArtifactsTests(PackagedEncoders models)
{
    [Fact]
    public void ArcticIsUpgradedFromOpset11AndTrainsWithoutAPooler()
    {
        var directory = models.NewTempFolder();
        var noPooler = Assert.Throws<InvalidOptionException>(() => TrainingArtifacts.Generate(
            new TrainingArtifactsOptions { BaseModel = models.ArcticDirectory, Pooling = Heads.PoolingMode.Pooler }, directory));
        Assert.Equal("ClassifierHeadOptions.Pooling", noPooler.Option);
        var artifacts = TrainingArtifacts.Generate(
            new TrainingArtifactsOptions { BaseModel = models.ArcticDirectory, Pooling = Heads.PoolingMode.Cls, FreezeLayers = "0-3" }, directory);
        Assert.Equal(17, artifacts.Properties.Opset);
        Assert.Contains("encoder.layer.3.output.dense.weight", artifacts.Properties.FrozenParameters);
        CudaKernelCoverageTests.AssertEveryOpHasACudaKernel(artifacts.TrainingModelPath, artifacts.EvalModelPath, artifacts.OptimizerModelPath);
        using var training = OnnxRunner.FromFile(artifacts.TrainingModelPath);
        using var eval = OnnxRunner.FromFile(artifacts.EvalModelPath);
        var feeds = ArtifactFeeds.WithParameters(
            ArtifactFeeds.Batch(new long[,] { { 101, 2307, 2147, 102 }, { 101, 6659, 102, 0 } }, new long[,] { { 1, 1, 1, 1 }, { 1, 1, 1, 0 } }, TensorData.Vector(1L, 0L)),
            artifacts, ArtifactFeeds.CheckpointParameters(artifacts), training: true);
        var outputs = training.Run(feeds);
        Assert.InRange(outputs["loss"].ToDoubles().Single(), Math.Log(2) - 0.1, Math.Log(2) + 0.1);
        Assert.All(artifacts.Properties.TrainableParameters, n => Assert.True(outputs[n + "_grad"].ToDoubles().All(double.IsFinite), n));
    }
}
