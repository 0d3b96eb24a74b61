using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Tests.Trainer;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Adapters;

/// <summary>LoRA runs of the training loop on a tiny BERT: what changes, what must not, the merged export and resuming.</summary>
public sealed class LoraTrainingTests : IDisposable
{
    private readonly TempDirectory _root = new("lora-train");
    private readonly string _base;

    public LoraTrainingTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TrainingArtifacts Artifacts(string name, float dropout = 0f) => TrainingArtifacts.Generate(new TrainingArtifactsOptions
    {
        BaseModel = _base, Labels = ["no", "yes"], Seed = 3,
        Lora = new LoraOptions { Rank = 4, Alpha = 8, Dropout = dropout, Targets = LoraTargets.Query | LoraTargets.Value | LoraTargets.Intermediate },
    }, _root.Combine(name));

    private static FineTuningOptions Options(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 8, LearningRate = 1e-2, WarmupRatio = 0.1, Seed = 11, Metric = ValidationMetric.Accuracy,
    };

    private static (FineTuningResult Result, RecordingObserver Observer) Train(TrainingArtifacts artifacts, FineTuningOptions options,
        TrainerState? resume = null, CancellationToken cancel = default, Action<RecordingObserver>? onStep = null, bool staged = false)
    {
        var observer = new RecordingObserver { OnStepHook = onStep };
        using var session = TrainingSession.Create(artifacts, new OrtSessionSettings(), staged);
        var tuner = new FineTuner(session, options, ["no", "yes"], padId: 0, observer);
        var result = tuner.Run(FineTunerTests.Synthetic(96, 1), FineTunerTests.Synthetic(32, 2), resume, cancel);
        return (result, observer);
    }

    [Fact]
    public void TrainingMovesOnlyAdaptersAndHeadAndTheMergedExportReproducesTheEvalLogits()
    {
        var artifacts = Artifacts("run");
        var (result, observer) = Train(artifacts, Options(epochs: 4));
        double first = observer.Steps.Take(3).Average(s => s.Loss), last = observer.Steps.TakeLast(3).Average(s => s.Loss);
        Assert.True(last < first * 0.9, $"loss went from {first:F4} to {last:F4}");

        // The checkpoint and the best parameters are the adapters and the head, nothing of the base.
        var trainable = artifacts.Properties.TrainableParameters;
        Assert.Equal(trainable, SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Names);
        Assert.Equal(trainable.Order(), result.BestParameters.Select(p => p.Key).Order());
        var best = result.BestParameters.ToDictionary(p => p.Key, p => p.Value);
        Assert.All(trainable.Where(n => n.EndsWith(LoraParameterNames.BSuffix)), n => Assert.Contains(best[n].ToDoubles(), v => v != 0));

        var exported = _root.Combine("model");
        ModelExporter.Export(artifacts, result.BestParameters, new ExportOptions { WriteExplainGraph = false }, exported);
        var merged = OnnxModel.Load(Path.Combine(exported, ModelContract.ModelFile)).Graph.Initializers.ToDictionary(v => v.Name, v => v.Initializer!);
        var baseWeights = OnnxModel.Load(Path.Combine(_base, ModelContract.ModelFile)).Graph.Initializers
            .Where(v => v.Name.Contains('.')).ToDictionary(v => v.Name, v => v.Initializer!);
        var adapted = artifacts.Properties.Lora!.AdaptedWeights;
        Assert.Equal(6, adapted.Count);
        foreach (var (name, weight) in baseWeights)
        {
            if (!merged.TryGetValue(name, out var exportedWeight)) continue; // the pooler, unused under mean pooling
            if (!adapted.Contains(name))
            {
                Assert.True(weight.ContentEquals(exportedWeight), $"frozen weight {name} changed");
                continue;
            }
            Assert.False(weight.ContentEquals(exportedWeight), $"adapted weight {name} was not merged");
            var expected = LoraMerge.Merge(weight, best[LoraParameterNames.A(name)], best[LoraParameterNames.B(name)], artifacts.Properties.Lora.Scale);
            Assert.True(expected.ContentEquals(exportedWeight), $"{name} is not W + A·B·α/r");
        }

        // The merged plain model and the unmerged eval graph give the same logits.
        long[,] ids = { { 2, 10, 21, 33, 3 }, { 2, 40, 41, 3, 0 }, { 2, 50, 10, 3, 0 } };
        long[,] mask = { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 0 }, { 1, 1, 1, 1, 0 } };
        var batch = ArtifactFeeds.Batch(ids, mask, TensorData.Vector(1L, 0L, 1L));
        using var eval = OnnxRunner.FromFile(artifacts.EvalModelPath);
        var unmerged = eval.Run(ArtifactFeeds.WithParameters(batch, artifacts, best, training: false), ["logits"])["logits"].ToArray<float>();
        batch.Remove("labels");
        var plain = OnnxRunner.RunFile(Path.Combine(exported, ModelContract.ModelFile), batch)[ModelContract.Logits];
        Assert.True(OnnxRunner.MaxAbsDiff(unmerged, plain) < 1e-4f, $"max |unmerged - merged| = {OnnxRunner.MaxAbsDiff(unmerged, plain)}");
    }

    [Fact]
    public void ResumingALoraRunReproducesTheUninterruptedRun()
    {
        var (_, full) = Train(Artifacts("full"), Options(epochs: 2));
        var interrupted = Artifacts("interrupted");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Train(interrupted, Options(epochs: 2), cancel: cancel.Token, onStep: o => { if (o.Steps.Count == 7) cancel.Cancel(); }));
        var reopened = TrainingArtifacts.Open(interrupted.Directory);
        var state = TrainerState.Load(reopened.TrainerStatePath);
        var (_, resumed) = Train(reopened, Options(epochs: 2), resume: state);

        var expected = full.Steps.Skip(7).Select(s => s.Loss).ToArray();
        var actual = resumed.Steps.Select(s => s.Loss).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void TheDevicePathTrainsTheAdaptersAsTheHostPathDoes()
    {
        // CUDA's path on the CPU: staged tensors and the AdamW graph over the adapters and head only.
        var (_, host) = Train(Artifacts("host"), Options(epochs: 1));
        var (_, staged) = Train(Artifacts("staged"), Options(epochs: 1), staged: true);
        Assert.Equal(host.Steps.Count, staged.Steps.Count);
        foreach (var (a, b) in host.Steps.Zip(staged.Steps))
        {
            Assert.Equal(a.Loss, b.Loss, 1e-3 * Math.Abs(a.Loss));
            Assert.Equal(a.GradNorm, b.GradNorm, 1e-3 * Math.Abs(a.GradNorm));
        }
    }

    [Fact]
    public void ABaseWhoseSha256DiffersIsRefused()
    {
        var artifacts = Artifacts("moved");
        var parameters = SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.ToList();
        TinyBertBuilder.WriteBaseModel(_base, new TinyBertOptions { Seed = 2 });
        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(artifacts.Directory));
        Assert.Contains("SHA-256", error.Message);
        Assert.Contains("trained on", error.Message);
        Assert.Throws<UserInputException>(() => ModelExporter.BuildInferenceModel(artifacts, parameters));
    }

    /// <summary>
    /// A base saved with external data keeps its weights in model.onnx.data; its model.onnx holds names, shapes and
    /// offsets only, the same for every base of that shape. The adapters recorded the SHA-256 of model.onnx alone, so
    /// another base's data file copied beside it passed as the base they were trained on. A base without external data
    /// keeps the digest it had (its file's SHA-256), so adapters recorded before still match.
    /// </summary>
    [Fact]
    public void ABaseWhoseExternalDataDiffersIsRefused()
    {
        var modelPath = Path.Combine(_base, ModelContract.ModelFile);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(modelPath))), Artifacts("inline").Properties.Lora!.BaseSha256);

        var external = new ModelSaveOptions { ExternalData = true, ExternalDataThresholdBytes = 128 };
        OnnxModel.Load(modelPath).Save(modelPath, external);
        var artifacts = Artifacts("external");
        var parameters = SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.ToList();
        var other = _root.Combine("other");
        TinyBertBuilder.WriteBaseModel(other, new TinyBertOptions { Seed = 2 });
        var otherPath = Path.Combine(other, ModelContract.ModelFile);
        OnnxModel.Load(otherPath).Save(otherPath, external);
        Assert.Equal(File.ReadAllBytes(otherPath), File.ReadAllBytes(modelPath));
        Assert.NotNull(TrainingArtifacts.Open(artifacts.Directory));

        File.Copy(otherPath + ".data", modelPath + ".data", overwrite: true);

        var error = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(artifacts.Directory));
        Assert.Contains("adapters only fit the exact base they were trained on", error.Message);
        Assert.Throws<UserInputException>(() => ModelExporter.BuildInferenceModel(artifacts, parameters));

        File.Delete(modelPath + ".data");
        var missing = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(artifacts.Directory));
        Assert.Equal($"{modelPath}: keeps its weights in the external data file 'model.onnx.data', which is missing at {modelPath}.data; copy it there with the model", missing.Message);

        Directory.CreateDirectory(modelPath + ".data");
        var folder = Assert.Throws<UserInputException>(() => TrainingArtifacts.Open(artifacts.Directory));
        Assert.Equal($"{modelPath}: keeps its weights in the external data file 'model.onnx.data', but {modelPath}.data is a folder; put that file there in its place", folder.Message);
    }
}
