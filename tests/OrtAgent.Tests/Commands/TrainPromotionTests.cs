using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// <c>train --promote-to</c>: the new model replaces the one there only when it scores better on the run's own
/// validation examples, a model of other labels is refused before training, and one promotion waits for another.
/// </summary>
public sealed class TrainPromotionTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task PromotionReplacesOnlyWhenTheNewModelIsBetter()
    {
        var promoted = _work.Combine("serving");
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--promote-to", promoted));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("promoted to", first.Output);
        Assert.True(File.Exists(Path.Combine(promoted, "model.onnx")));

        // A run that cannot learn (rate ~0) cannot beat it: exit 3, and the promoted model stays.
        var before = File.GetLastWriteTimeUtc(Path.Combine(promoted, "model.onnx"));
        var second = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("again"), "--lr", "1e-12", "--epochs", "1", "--promote-to", promoted));
        Assert.True(second.ExitCode == 3, second.ToString());
        Assert.Contains("not promoted", second.Output);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(promoted, "model.onnx")));
    }

    /// <summary>
    /// Promotion used to compare the metrics the two models recorded, each on its own run's validation split: a model
    /// validated on easy texts replaced a better one validated on hard ones. Both are now scored on the new run's
    /// examples, and what either records does not count: here the model in the directory claims accuracy 1.0 and
    /// loses; then, claiming 0.0, it wins.
    /// </summary>
    [Fact]
    public async Task PromotionScoresBothModelsOnTheSameExamplesNotOnWhatTheyRecord()
    {
        var good = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("good")));
        Assert.True(good.ExitCode == 0, good.ToString());
        var poor = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("poor"), "--lr", "1e-12", "--epochs", "1"));
        Assert.True(poor.ExitCode == 0, poor.ToString());
        string goodModel = _work.Combine("good", "models", "m"), poorModel = _work.Combine("poor", "models", "m");
        var examples = File.ReadLines(tiny.TestCsv).Skip(1).Select(line => line.Split(','))
            .Select(f => new OrtAgent.Data.LabeledExample(f[0], f[1])).ToArray();

        var promoted = _work.Combine("serving");
        CopyModelClaiming(poorModel, promoted, """{"accuracy":1.0,"macro_f1":1.0,"loss":0.0}""");
        var decision = OrtAgent.FineTuning.ModelPromotion.Promote(goodModel, promoted, OrtAgent.Training.Evaluation.ValidationMetric.Accuracy, examples);
        Assert.True(decision.Promoted, decision.Describe());
        Assert.True(decision.Incumbent < decision.Candidate, decision.Describe());
        Assert.Equal(40, decision.Examples);
        Assert.Contains("both scored on this run's 40 validation examples", decision.Describe());
        Assert.Equal(File.ReadAllBytes(Path.Combine(goodModel, "model.onnx")), File.ReadAllBytes(Path.Combine(promoted, "model.onnx")));

        CopyModelClaiming(goodModel, promoted, """{"accuracy":0.0,"macro_f1":0.0,"loss":9.0}""");
        var before = File.ReadAllBytes(Path.Combine(promoted, "model.onnx"));
        var kept = OrtAgent.FineTuning.ModelPromotion.Promote(poorModel, promoted, OrtAgent.Training.Evaluation.ValidationMetric.Loss, examples);
        Assert.False(kept.Promoted, kept.Describe());
        Assert.Contains("does not beat its model's", kept.Describe());
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(promoted, "model.onnx")));

        // A model there that answers NaN has a loss no comparison beats, so it would never have been replaced: it loses.
        CopyModelClaiming(goodModel, promoted, """{"loss":0.0}""", classifier: float.NaN);
        var overNaN = OrtAgent.FineTuning.ModelPromotion.Promote(poorModel, promoted, OrtAgent.Training.Evaluation.ValidationMetric.Loss, examples);
        Assert.True(overNaN.Promoted, overNaN.Describe());
        Assert.True(double.IsNaN(overNaN.Incumbent!.Value), overNaN.Describe());
    }

    /// <summary>
    /// Replaces <paramref name="directory"/> with a copy of <paramref name="model"/> whose metadata records
    /// <paramref name="metrics"/>, and whose classifier weights are all <paramref name="classifier"/> when given.
    /// </summary>
    private static void CopyModelClaiming(string model, string directory, string metrics, float? classifier = null)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(model)) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var onnx = OrtAgent.Onnx.OnnxModel.Load(Path.Combine(model, "model.onnx"));
        onnx.Metadata[OrtAgent.Runtime.ModelContract.MetricsKey] = metrics;
        if (classifier is float value)
            foreach (var weights in onnx.Graph.Initializers.Where(v => v.Name.StartsWith("classifier.", StringComparison.Ordinal)))
                weights.Initializer = OrtAgent.Onnx.TensorData.Create<float>(weights.Initializer!.Dims,
                    Enumerable.Repeat(value, (int)weights.Initializer.ElementCount).ToArray());
        onnx.Save(Path.Combine(directory, "model.onnx"));
    }

    /// <summary>A model of other labels cannot be scored on this data, nor stands in for the new one: refused before training.</summary>
    [Fact]
    public async Task PromotingOverAModelOfOtherLabelsIsRefusedBeforeTraining()
    {
        var first = await CliRun.RunAsync(tiny.TrainArgs(_work.Path));
        Assert.True(first.ExitCode == 0, first.ToString());
        var promoted = _work.Combine("serving");
        Directory.CreateDirectory(promoted);
        foreach (var file in Directory.GetFiles(_work.Combine("models", "m"))) File.Copy(file, Path.Combine(promoted, Path.GetFileName(file)));
        var onnx = OrtAgent.Onnx.OnnxModel.Load(_work.Combine("models", "m", "model.onnx"));
        onnx.Metadata[OrtAgent.Runtime.ModelContract.LabelsKey] = """["negative","upbeat"]""";
        onnx.Save(Path.Combine(promoted, "model.onnx"));
        var before = File.ReadAllBytes(Path.Combine(promoted, "model.onnx"));

        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("again"), "--promote-to", promoted));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"--promote-to {promoted}: its model's labels ('negative', 'upbeat') differ from the data's ('negative', 'positive')", run.Error);
        Assert.DoesNotContain("Exported", run.Output);
        Assert.False(Directory.Exists(_work.Combine("again", "artifacts", "m")), "training artifacts were generated");
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(promoted, "model.onnx")));
    }

    /// <summary>
    /// Two promotions at once would each compare with the same incumbent, and the last to swap would win, better or not:
    /// a promotion waits for one in progress (its claim, held here by the test) and then compares with what it left.
    /// </summary>
    [Fact]
    public async Task APromotionWaitsForOneInProgress()
    {
        var run = await CliRun.RunAsync(tiny.TrainArgs(_work.Path));
        Assert.True(run.ExitCode == 0, run.ToString());
        var exported = _work.Combine("models", "m");
        var promoted = _work.Combine("serving");
        var inProgress = OrtAgent.Training.Checkpoints.ProcessLock.Acquire(OrtAgent.Training.Checkpoints.ProcessLock.FileBeside(promoted), "held");

        OrtAgent.Data.LabeledExample[] examples = [new("a good movie", "positive"), new("a bad movie", "negative")];
        var promotion = Task.Run(() => OrtAgent.FineTuning.ModelPromotion.Promote(exported, promoted, OrtAgent.Training.Evaluation.ValidationMetric.Accuracy, examples));
        await Task.Delay(500);
        Assert.False(promotion.IsCompleted, "the promotion did not wait");
        Assert.False(Directory.Exists(promoted));

        // Ctrl+C ends the wait at once, not when the other run lets go.
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            var cancelled = Task.Run(() => OrtAgent.FineTuning.ModelPromotion.Promote(exported, promoted, OrtAgent.Training.Evaluation.ValidationMetric.Accuracy, examples, cancellationToken: cancel.Token));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(20)));
        }
        Assert.False(promotion.IsCompleted, "the promotion did not wait");

        inProgress.Dispose();
        var decision = await promotion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(decision.Promoted);
        Assert.Equal(File.ReadAllBytes(Path.Combine(exported, "model.onnx")), File.ReadAllBytes(Path.Combine(promoted, "model.onnx")));
        Assert.False(File.Exists(OrtAgent.Training.Checkpoints.ProcessLock.FileBeside(promoted)));
    }
}
