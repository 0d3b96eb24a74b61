using OrtAgent.Onnx;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using Xunit.Abstractions;

namespace OrtAgent.Training.Tests.Adapters;

/// <summary>The LoRA training and eval graphs of a tiny BERT: what is trained, step 0, gradients and their pruning.</summary>
public sealed class LoraGraphTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _root = new("lora-graph");

    public void Dispose() => _root.Dispose();

    private static readonly long[,] Ids = { { 2, 10, 11, 12, 3 }, { 2, 20, 21, 3, 0 }, { 2, 30, 3, 0, 0 } };
    private static readonly long[,] Mask = { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 0 }, { 1, 1, 1, 0, 0 } };

    private TrainingArtifacts Generate(string name, LoraOptions? lora, float headDropout = 0f)
    {
        var baseDir = _root.Combine("base");
        if (!Directory.Exists(baseDir)) TinyBertBuilder.WriteBaseModel(baseDir);
        return TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseDir, NumLabels = 3, DropoutRatio = headDropout, Seed = 5, Lora = lora },
            _root.Combine(name));
    }

    private static Dictionary<string, TensorData> Batch() => ArtifactFeeds.Batch(Ids, Mask, TensorData.Vector(0L, 2L, 1L));

    [Fact]
    public void OnlyAdaptersAndTheHeadAreTrainedAndTheCheckpointHoldsOnlyThem()
    {
        var artifacts = Generate("qv", new LoraOptions { Rank = 4, Alpha = 8 });
        var p = artifacts.Properties;
        string[] expected =
        [
            "encoder.layer.0.attention.self.query.lora_A", "encoder.layer.0.attention.self.query.lora_B",
            "encoder.layer.0.attention.self.value.lora_A", "encoder.layer.0.attention.self.value.lora_B",
            "encoder.layer.1.attention.self.query.lora_A", "encoder.layer.1.attention.self.query.lora_B",
            "encoder.layer.1.attention.self.value.lora_A", "encoder.layer.1.attention.self.value.lora_B",
            "classifier.weight", "classifier.bias",
        ];
        Assert.Equal(expected.Order(), p.TrainableParameters.Order());
        Assert.Empty(p.FrozenParameters);
        Assert.Equal((4, 8f, 2f), (p.Lora!.Rank, p.Lora.Alpha, p.Lora.Scale));
        Assert.Equal(["query", "value"], p.Lora.Targets);
        Assert.Equal(64, p.Lora.BaseSha256.Length);

        var checkpoint = SafeTensorsReader.Read(artifacts.ModelCheckpointPath);
        Assert.Equal(p.TrainableParameters, checkpoint.Names);
        Assert.Equal([32L, 4L], checkpoint["encoder.layer.0.attention.self.query.lora_A"].Dims);
        Assert.Equal([4L, 32L], checkpoint["encoder.layer.0.attention.self.query.lora_B"].Dims);
        Assert.All(checkpoint["encoder.layer.1.attention.self.value.lora_B"].ToDoubles(), v => Assert.Equal(0.0, v));
        // Kaiming-uniform with a = √5 over fan-in 32: bounded by 1/√32, and not degenerate.
        var a = checkpoint["encoder.layer.0.attention.self.query.lora_A"].ToDoubles();
        Assert.All(a, v => Assert.InRange(Math.Abs(v), 0, 1 / Math.Sqrt(32)));
        Assert.True(a.Select(Math.Abs).Average() > 0.25 / Math.Sqrt(32));
        // Optimizer state exists only for the trained tensors.
        Assert.Equal(p.TrainableParameters.Count * 2, SafeTensorsReader.Read(artifacts.OptimizerCheckpointPath).Tensors.Count);
    }

    [Fact]
    public void AtStepZeroTheOutputsEqualTheBaseModels()
    {
        var full = Generate("full", lora: null);
        var lora = Generate("lora", new LoraOptions { Rank = 2, Alpha = 16, Targets = LoraTargets.Query | LoraTargets.Key | LoraTargets.Value | LoraTargets.AttentionOutput | LoraTargets.Intermediate | LoraTargets.Output });
        foreach (bool training in new[] { false, true })
        {
            var baseFeeds = ArtifactFeeds.WithParameters(Batch(), full, ArtifactFeeds.CheckpointParameters(full), training);
            var loraFeeds = ArtifactFeeds.WithParameters(Batch(), lora, ArtifactFeeds.CheckpointParameters(lora), training);
            var path = training ? (full.TrainingModelPath, lora.TrainingModelPath) : (full.EvalModelPath, lora.EvalModelPath);
            using var baseRunner = OnnxRunner.FromFile(path.Item1);
            using var loraRunner = OnnxRunner.FromFile(path.Item2);
            var expected = baseRunner.Run(baseFeeds, ["loss", "logits"]);
            var actual = loraRunner.Run(loraFeeds, ["loss", "logits"]);
            Assert.Equal(expected["logits"].ToDoubles(), actual["logits"].ToDoubles());
            Assert.Equal(expected["loss"].ToDoubles(), actual["loss"].ToDoubles());
        }
    }

    [Fact]
    public void NoGradientIsComputedForAFrozenWeight()
    {
        // A linear weight's gradient is one Gemm with transA (rows of x against rows of dY); with LoRA there must be
        // exactly one per adapter tensor: none for the 12 frozen encoder weights, which full fine-tuning computes.
        var full = OnnxModel.Load(Generate("full", lora: null).TrainingModelPath).Graph;
        var artifacts = Generate("lora", new LoraOptions { Rank = 2 });
        var lora = OnnxModel.Load(artifacts.TrainingModelPath).Graph;
        static int WeightGradients(Graph g) => g.Nodes.Count(n => n.OpType == "Gemm" && n.IntAttribute("transA", 0) == 1);
        int adapters = artifacts.Properties.TrainableParameters.Count(LoraParameterNames.IsAdapter);
        output.WriteLine($"weight-gradient Gemms: full {WeightGradients(full)}, LoRA {WeightGradients(lora)} ({adapters} adapter tensors); nodes {full.Nodes.Count} vs {lora.Nodes.Count}");
        Assert.Equal(12, WeightGradients(full));
        Assert.Equal(adapters, WeightGradients(lora));
        Assert.DoesNotContain(lora.Nodes, n => n.OpType == "ScatterND"); // the frozen embedding table gets no gradient either
        Assert.DoesNotContain(lora.Outputs, o => o.Name.StartsWith("embeddings.", StringComparison.Ordinal));
    }

    [Fact]
    public void AdapterGradientsMatchFiniteDifferences()
    {
        var artifacts = Generate("fd", new LoraOptions { Rank = 2, Alpha = 6, Targets = LoraTargets.Value | LoraTargets.Intermediate | LoraTargets.Output });
        var parameters = ArtifactFeeds.CheckpointParameters(artifacts);
        // B = 0 would make every gradient of A zero; random B checks both factors.
        var random = new Random(3);
        foreach (var name in parameters.Keys.Where(n => n.EndsWith(LoraParameterNames.BSuffix)).ToList())
            parameters[name] = TensorData.Create<float>(parameters[name].Dims,
                Enumerable.Range(0, (int)parameters[name].ElementCount).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray());
        (string Name, int[] Elements)[] checkedElements =
        [
            ("encoder.layer.0.attention.self.value.lora_A", [0, 17, 63]),
            ("encoder.layer.1.attention.self.value.lora_B", [1, 40]),
            ("encoder.layer.1.intermediate.dense.lora_A", [5, 60]),
            ("encoder.layer.1.intermediate.dense.lora_B", [0, 127]),
            ("encoder.layer.0.output.dense.lora_A", [3, 100]),
            ("encoder.layer.1.output.dense.lora_B", [31, 50]),
        ];
        using var runner = OnnxRunner.FromFile(artifacts.TrainingModelPath);
        var feeds = ArtifactFeeds.WithParameters(Batch(), artifacts, parameters, training: true);
        var analytic = runner.Run(feeds, checkedElements.Select(c => c.Name + "_grad"));
        const float h = 1e-2f;
        foreach (var (name, elements) in checkedElements)
        {
            var values = parameters[name].ToArray<float>();
            var gradient = analytic[name + "_grad"].ToDoubles();
            foreach (var e in elements)
            {
                double Loss(float value)
                {
                    var perturbed = (float[])values.Clone();
                    perturbed[e] = value;
                    feeds[name] = TensorData.Create<float>(parameters[name].Dims, perturbed);
                    return runner.Run(feeds, ["loss"])["loss"].ToDoubles()[0];
                }
                double fd = (Loss(values[e] + h) - Loss(values[e] - h)) / (2 * h);
                feeds[name] = parameters[name];
                output.WriteLine($"{name}[{e}]: analytic {gradient[e]:E4}, finite difference {fd:E4}");
                Assert.True(Math.Abs(fd - gradient[e]) <= 0.05 * Math.Abs(fd) + 2e-4, $"{name}[{e}]: analytic {gradient[e]}, finite difference {fd}");
            }
            Assert.Contains(gradient, g => Math.Abs(g) > 1e-4);
        }
    }

    [Fact]
    public void AdapterDropoutIsLiveInTrainingAndOffInEvaluation()
    {
        var artifacts = Generate("dropout", new LoraOptions { Rank = 2, Dropout = 0.5f });
        var parameters = ArtifactFeeds.CheckpointParameters(artifacts);
        foreach (var name in parameters.Keys.Where(n => n.EndsWith(LoraParameterNames.BSuffix)).ToList())
            parameters[name] = TensorData.Create<float>(parameters[name].Dims, Enumerable.Repeat(0.3f, (int)parameters[name].ElementCount).ToArray());
        using var eval = OnnxRunner.FromFile(artifacts.EvalModelPath);
        using var training = OnnxRunner.FromFile(artifacts.TrainingModelPath);
        var evalFeeds = ArtifactFeeds.WithParameters(Batch(), artifacts, parameters, training: false);
        var first = eval.Run(evalFeeds, ["logits"])["logits"].ToDoubles();
        Assert.Equal(first, eval.Run(evalFeeds, ["logits"])["logits"].ToDoubles());
        var trainFeeds = ArtifactFeeds.WithParameters(Batch(), artifacts, parameters, training: true);
        var a = training.Run(trainFeeds, ["logits"])["logits"].ToDoubles();
        var b = training.Run(trainFeeds, ["logits"])["logits"].ToDoubles();
        Assert.NotEqual(a, b);
        Assert.NotEqual(first, a);
    }

    [Fact]
    public void LoraOptionsAreValidatedByName()
    {
        Assert.Equal("LoraOptions.Rank = 0: must be between 1 and 1024",
            Assert.Throws<InvalidOptionException>(() => new LoraOptions { Rank = 0 }.Validate()).Message);
        Assert.StartsWith("LoraOptions.Alpha = -1:", Assert.Throws<InvalidOptionException>(() => new LoraOptions { Alpha = -1 }.Validate()).Message);
        Assert.StartsWith("LoraOptions.Dropout = 1:", Assert.Throws<InvalidOptionException>(() => new LoraOptions { Dropout = 1 }.Validate()).Message);
        Assert.StartsWith("LoraOptions.Targets = None:", Assert.Throws<InvalidOptionException>(() => new LoraOptions { Targets = LoraTargets.None }.Validate()).Message);
        var baseDir = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseDir);
        Assert.Equal("TrainingArtifactsOptions.FreezeLayers = '0-0': does not combine with TrainingArtifactsOptions.Lora, which freezes every base weight already and trains only the adapters and the head; drop TrainingArtifactsOptions.FreezeLayers, or train without LoRA",
            Assert.Throws<InvalidOptionException>(() => TrainingArtifacts.Generate(
                new TrainingArtifactsOptions { BaseModel = baseDir, FreezeLayers = "0-0", Lora = new LoraOptions() }, _root.Combine("x"))).Message);
    }
}
