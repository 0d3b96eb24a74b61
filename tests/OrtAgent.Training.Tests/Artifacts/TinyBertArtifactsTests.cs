using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;

namespace OrtAgent.Training.Tests;

public sealed class TinyBertArtifactsTests : IDisposable
{
    private readonly TempDirectory _root = new("artifacts");
    private readonly string _base;

    public TinyBertArtifactsTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private static readonly long[,] Ids = { { 2, 10, 11, 12, 3 }, { 2, 20, 21, 3, 0 }, { 2, 30, 3, 0, 0 }, { 2, 40, 41, 42, 3 } };
    private static readonly long[,] Mask = { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 0 }, { 1, 1, 1, 0, 0 }, { 1, 1, 1, 1, 1 } };

    private TrainingArtifacts Generate(TrainingArtifactsOptions options, string name = "out") =>
        TrainingArtifacts.Generate(options, _root.Combine(name));

    [Fact]
    public void WritesTheDocumentedFilesAndOpensThemAgain()
    {
        var generated = Generate(new TrainingArtifactsOptions { BaseModel = _base, NumLabels = 3, Labels = ["neg", "neu", "pos"] });
        var artifacts = TrainingArtifacts.Open(generated.Directory);
        foreach (var file in new[] { "training_model.onnx", "eval_model.onnx", "optimizer_model.onnx", "vocab.txt",
                     "checkpoint/model.safetensors", "checkpoint/optimizer.safetensors", "checkpoint/properties.json" })
            Assert.True(File.Exists(Path.Combine(artifacts.Directory, file)), file);
        Assert.Empty(Directory.GetFiles(artifacts.Directory, "*.tmp", SearchOption.AllDirectories));

        var p = artifacts.Properties;
        Assert.Equal(["neg", "neu", "pos"], p.Labels);
        Assert.Equal(("mean", "ce", "adamw", 17L, 0L), (p.Pooling, p.Loss, p.Optimizer, p.Opset, p.Step));
        Assert.Equal("embeddings.word_embeddings.weight", p.TrainableParameters[0]);
        Assert.Equal(["classifier.weight", "classifier.bias"], p.TrainableParameters.TakeLast(2));
        Assert.Empty(p.FrozenParameters);
        Assert.Equal(["exp_avg", "exp_avg_sq"], p.OptimizerStates);

        var model = SafeTensorsReader.Read(artifacts.ModelCheckpointPath);
        Assert.Equal(p.TrainableParameters, model.Names);
        var optimizer = SafeTensorsReader.Read(artifacts.OptimizerCheckpointPath);
        Assert.Equal(p.TrainableParameters.Count * 2, optimizer.Tensors.Count);
        Assert.All(optimizer.Tensors, t => Assert.All(t.Value.ToDoubles(), x => Assert.Equal(0.0, x)));
    }

    [Fact]
    public void EveryGraphCreatesASessionWithFullOptimisationAndNamesItsInputsAndOutputs()
    {
        var artifacts = Generate(new TrainingArtifactsOptions { BaseModel = _base });
        var trainable = artifacts.Properties.TrainableParameters;
        using (var training = OnnxRunner.FromFile(artifacts.TrainingModelPath))
        {
            var inputs = training.Session.InputNames;
            Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], inputs.Take(3));
            Assert.Contains("labels", inputs);
            Assert.All(trainable, name => Assert.Contains(name, inputs));
            Assert.All(trainable, name => Assert.Contains(name + "_grad.accumulated", inputs));
            Assert.Contains("dropout_keep", inputs);
            Assert.Contains("loss_scale", inputs);
            Assert.Equal(["loss", "logits"], training.Session.OutputNames.Take(2));
            Assert.Equal(trainable.Select(n => n + "_grad"), training.Session.OutputNames.Skip(2));
        }
        using (var eval = OnnxRunner.FromFile(artifacts.EvalModelPath))
        {
            Assert.Equal(["loss", "logits"], eval.Session.OutputNames);
            Assert.All(trainable, name => Assert.Contains(name, eval.Session.InputNames));
        }
        using var optimizer = OnnxRunner.FromFile(artifacts.OptimizerModelPath);
        Assert.Equal(1 + 3 * trainable.Count, optimizer.Session.OutputNames.Count);
    }

    [Fact]
    public void FrozenParametersStayInitializersWithoutGradients()
    {
        var artifacts = Generate(new TrainingArtifactsOptions { BaseModel = _base, FreezePatterns = ["embeddings.*"], FreezeLayers = "0-0" });
        var p = artifacts.Properties;
        Assert.Contains("embeddings.word_embeddings.weight", p.FrozenParameters);
        Assert.Contains("encoder.layer.0.attention.self.query.weight", p.FrozenParameters);
        Assert.DoesNotContain(p.TrainableParameters, n => n.StartsWith("embeddings.") || n.StartsWith("encoder.layer.0."));
        Assert.Contains("encoder.layer.1.output.dense.weight", p.TrainableParameters);

        var training = OnnxModel.Load(artifacts.TrainingModelPath).Graph;
        Assert.DoesNotContain(training.Outputs, o => o.Name.StartsWith("embeddings.") || o.Name.StartsWith("encoder.layer.0."));
        Assert.Contains(training.Initializers, i => i.Name == "embeddings.word_embeddings.weight");
        Assert.DoesNotContain(training.Inputs, i => i.Name == "embeddings.word_embeddings.weight");
        Assert.Equal(p.ParameterCount, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.Count);
    }

    /// <summary>A module's name freezes everything under it (<c>embeddings</c> as <c>embeddings.*</c>), which it was refused as matching nothing.</summary>
    [Fact]
    public void AModuleNameFreezesEverythingUnderIt()
    {
        var p = Generate(new TrainingArtifactsOptions { BaseModel = _base, FreezePatterns = ["embeddings", "encoder.layer.0.attention"] }).Properties;
        Assert.Contains("embeddings.word_embeddings.weight", p.FrozenParameters);
        Assert.Contains("encoder.layer.0.attention.self.query.weight", p.FrozenParameters);
        Assert.DoesNotContain(p.TrainableParameters, n => n.StartsWith("embeddings.") || n.StartsWith("encoder.layer.0.attention."));
        Assert.Contains("encoder.layer.0.intermediate.dense.weight", p.TrainableParameters);
        // Not cut inside a name: no module is called 'embed'.
        var cut = Assert.Throws<InvalidOptionException>(() => Generate(new TrainingArtifactsOptions { BaseModel = _base, FreezePatterns = ["embed"] }, "cut"));
        Assert.Equal("TrainingArtifactsOptions.FreezePatterns", cut.Option);
        Assert.Equal("embed", cut.Value);
        Assert.StartsWith("matches no parameter", cut.Problem);
    }

    /// <summary>
    /// A new run into an earlier run's artifacts left its best model, trainer state and student record behind: export
    /// then shipped the old run's weights (a new run stopped before its first evaluation) or described a distilled
    /// student the new run was not. The student encoder stays when it is the new run's own base.
    /// </summary>
    [Fact]
    public void GeneratingOverAnEarlierRunLeavesNothingOfItsState()
    {
        var directory = _root.Combine("out");
        Generate(new TrainingArtifactsOptions { BaseModel = _base });
        foreach (var stale in new[] { "best/model.safetensors", "checkpoint/trainer_state.json", "checkpoint.old/model.safetensors", TrainingArtifacts.StudentRecordFile,
                     TrainingArtifacts.ModelCardRecordFile, TrainingArtifacts.StartingCardRecordFile, TrainingArtifacts.SettingsRecordFile, TrainingArtifacts.DataRecordFile, TrainingArtifacts.OutputRecordFile,
                     TrainingArtifacts.MetricsLogFile, TrainingArtifacts.TrainingCurveFile })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(directory, stale))!);
            File.WriteAllText(Path.Combine(directory, stale), "earlier run");
        }
        var studentBase = Path.Combine(directory, TrainingArtifacts.DerivedEncoderDirectoryName);
        DirectoryCopy.Recursive(_base, studentBase);

        var again = Generate(new TrainingArtifactsOptions { BaseModel = studentBase });

        Assert.False(Directory.Exists(Path.Combine(directory, "best")));
        Assert.False(Directory.Exists(Path.Combine(directory, "checkpoint.old")));
        Assert.False(File.Exists(again.TrainerStatePath));
        foreach (var record in new[] { TrainingArtifacts.StudentRecordFile, TrainingArtifacts.ModelCardRecordFile, TrainingArtifacts.StartingCardRecordFile, TrainingArtifacts.SettingsRecordFile,
                     TrainingArtifacts.DataRecordFile, TrainingArtifacts.OutputRecordFile, TrainingArtifacts.MetricsLogFile, TrainingArtifacts.TrainingCurveFile })
            Assert.False(File.Exists(Path.Combine(directory, record)), record);
        Assert.True(File.Exists(again.ModelCheckpointPath));
        Assert.True(Directory.Exists(studentBase), "the new run's own base was removed");

        Generate(new TrainingArtifactsOptions { BaseModel = _base });
        Assert.False(Directory.Exists(studentBase), "an earlier run's student encoder outlived it");
    }

    /// <summary>
    /// A run killed while it was being set up (graphs and checkpoint written, its records or starting weights not yet)
    /// was opened as a run: --resume continued it on default settings, another data file or a random head.
    /// </summary>
    [Fact]
    public void ADirectoryBeingSetUpIsNotOpenedUntilItsSetupIsComplete()
    {
        var directory = _root.Combine("out");
        TrainingArtifacts.BeginSetup(directory);
        TrainingArtifacts.CheckDestination(directory);   // a directory holding only the mark is still OrtAgent's own
        var generated = Generate(new TrainingArtifactsOptions { BaseModel = _base });

        var refused = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(directory));
        Assert.Contains("stopped while it was being set up, before its first step", refused.Message);
        // Said in the library's terms: a caller of Open typed no --resume.
        Assert.EndsWith("so there is nothing to resume or export; start the run again rather than resuming it", refused.Message);

        TrainingArtifacts.CompleteSetup(directory);
        Assert.Equal(generated.Properties.TrainableParameters, TrainingArtifacts.Open(directory).Properties.TrainableParameters);
    }

    [Fact]
    public void ABadFreezePatternOrBaseIsAUserError()
    {
        Assert.Throws<InvalidOptionException>(() => Generate(new TrainingArtifactsOptions { BaseModel = _base, FreezePatterns = ["bert.*"] }));
        Assert.Throws<UserInputException>(() => Generate(new TrainingArtifactsOptions { BaseModel = _base, FreezePatterns = ["*"] }));
        Assert.Throws<UserInputException>(() => Generate(new TrainingArtifactsOptions { BaseModel = _root.Combine("missing") }));
        Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(_base));
    }

    [Fact]
    public void OpeningAFileSaysArtifactsAreADirectoryWithoutTheCommandLinesLayout()
    {
        var file = _root.Combine("not-artifacts.txt");
        File.WriteAllText(file, "x\n");

        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(file));

        Assert.Equal($"training artifacts directory '{file}' is a file; artifacts are a directory", error.Message);
    }

    [Fact]
    public void AnOptimizerStepLowersTheLossAndAccumulationAddsGradients()
    {
        var artifacts = Generate(new TrainingArtifactsOptions { BaseModel = _base, DropoutRatio = 0f });
        var parameters = ArtifactFeeds.CheckpointParameters(artifacts);
        var batch = ArtifactFeeds.Batch(Ids, Mask, TensorData.Vector(0L, 1L, 1L, 0L));
        var trainable = artifacts.Properties.TrainableParameters;
        using var training = OnnxRunner.FromFile(artifacts.TrainingModelPath);
        using var optimizer = OnnxRunner.FromFile(artifacts.OptimizerModelPath);

        var first = training.Run(ArtifactFeeds.WithParameters(batch, artifacts, parameters, training: true));
        double loss0 = first["loss"].ToDoubles().Single();
        Assert.InRange(loss0, Math.Log(2) - 0.1, Math.Log(2) + 0.1);

        // Accumulation: feeding this batch's gradients back as the accumulator doubles them.
        var accumulatedFeeds = ArtifactFeeds.WithParameters(batch, artifacts, parameters, training: true);
        foreach (var name in trainable) accumulatedFeeds[name + "_grad.accumulated"] = first[name + "_grad"];
        var doubled = training.Run(accumulatedFeeds, ["classifier.weight_grad"])["classifier.weight_grad"].ToDoubles();
        var single = first["classifier.weight_grad"].ToDoubles();
        for (int i = 0; i < single.Length; i++) Assert.Equal(2 * single[i], doubled[i], 5);

        var step = new Dictionary<string, TensorData>
        {
            ["learning_rate"] = TensorData.Scalar(1e-3f),
            ["step"] = TensorData.Scalar(1L),
            ["max_grad_norm"] = TensorData.Scalar(1f),
        };
        var states = SafeTensorsReader.Read(artifacts.OptimizerCheckpointPath);
        foreach (var name in trainable)
        {
            step[name] = parameters[name];
            step[name + "_grad"] = first[name + "_grad"];
            foreach (var state in artifacts.Properties.OptimizerStates) step[$"{name}.{state}"] = states[$"{name}.{state}"];
        }
        var updated = optimizer.Run(step);
        Assert.True(updated["grad_norm"].ToDoubles().Single() > 0);
        var newParameters = trainable.ToDictionary(n => n, n => updated[n + ".new"]);

        var second = training.Run(ArtifactFeeds.WithParameters(batch, artifacts, newParameters, training: true), ["loss"]);
        Assert.True(second["loss"].ToDoubles().Single() < loss0, $"loss {loss0} did not drop: {second["loss"].ToDoubles().Single()}");
    }

    [Fact]
    public void TheEvalModelMatchesTheTrainingModelWithoutDropoutAndTrainingDropoutIsLive()
    {
        var artifacts = Generate(new TrainingArtifactsOptions { BaseModel = _base, DropoutRatio = 0.5f });
        var parameters = ArtifactFeeds.CheckpointParameters(artifacts);
        var batch = ArtifactFeeds.Batch(Ids, Mask, TensorData.Vector(0L, 1L, 1L, 0L));
        using var training = OnnxRunner.FromFile(artifacts.TrainingModelPath);
        using var eval = OnnxRunner.FromFile(artifacts.EvalModelPath);
        var e1 = eval.Run(ArtifactFeeds.WithParameters(batch, artifacts, parameters, training: false))["logits"].ToDoubles();
        var e2 = eval.Run(ArtifactFeeds.WithParameters(batch, artifacts, parameters, training: false))["logits"].ToDoubles();
        var t = training.Run(ArtifactFeeds.WithParameters(batch, artifacts, parameters, training: true), ["logits"])["logits"].ToDoubles();
        Assert.Equal(e1, e2);
        Assert.NotEqual(e1, t);
    }

    [Theory]
    [InlineData(LossKind.BinaryCrossEntropy, OptimizerKind.Sgd)]
    [InlineData(LossKind.MeanSquaredError, OptimizerKind.AdamW)]
    public void OtherLossesAndOptimizersGenerateAndRun(LossKind loss, OptimizerKind optimizerKind)
    {
        int labels = loss == LossKind.MeanSquaredError ? 1 : 3;
        var artifacts = Generate(new TrainingArtifactsOptions { BaseModel = _base, NumLabels = labels, Loss = loss, Optimizer = optimizerKind, Pooling = Heads.PoolingMode.Cls });
        var parameters = ArtifactFeeds.CheckpointParameters(artifacts);
        var targets = TensorData.Create<float>([4, labels], Enumerable.Range(0, 4 * labels).Select(i => (float)(i % 2)).ToArray());
        using var training = OnnxRunner.FromFile(artifacts.TrainingModelPath);
        var outputs = training.Run(ArtifactFeeds.WithParameters(ArtifactFeeds.Batch(Ids, Mask, targets), artifacts, parameters, training: true));
        Assert.True(double.IsFinite(outputs["loss"].ToDoubles().Single()));
        Assert.All(artifacts.Properties.TrainableParameters, n => Assert.All(outputs[n + "_grad"].ToDoubles(), x => Assert.True(double.IsFinite(x))));
        using var optimizer = OnnxRunner.FromFile(artifacts.OptimizerModelPath);
    }
}
