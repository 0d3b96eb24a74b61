using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// What the session types do once disposed. Before they checked, a step over the freed native sessions killed the
/// process (SIGSEGV), so a regression here crashes the test host rather than failing one test.
/// </summary>
public sealed class TrainingSessionLifetimeTests : IDisposable
{
    private readonly TempDirectory _root = new("session-lifetime");
    private readonly string _base;

    public TrainingSessionLifetimeTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TrainingArtifacts Artifacts(string name, TrainingObjective objective = TrainingObjective.Classification) =>
        TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = _base, Labels = ["no", "yes"], Seed = 3, Objective = objective },
            _root.Combine(name));

    private static FineTuningOptions Options => new() { Epochs = 1, BatchSize = 8, Seed = 11, Metric = ValidationMetric.Accuracy, MinimumSteps = 0 };

    [Fact]
    public void EveryMethodOfADisposedSessionThrowsObjectDisposedAndDisposingTwiceIsHarmless()
    {
        var session = TrainingSession.Create(Artifacts("disposed"), new OrtSessionSettings());
        var batch = TrainingBatch.Collate(FineTunerTests.Synthetic(4, 1), [0, 1, 2, 3], 0);
        var parameters = session.GetParameters().ToDictionary(p => p.Key, p => p.Value);
        session.Dispose();
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.TrainStep(batch));
        Assert.Throws<ObjectDisposedException>(() => session.EvalStep(batch));
        Assert.Throws<ObjectDisposedException>(() => session.OptimizerStep(1e-3, 1));
        Assert.Throws<ObjectDisposedException>(session.LazyResetGrad);
        Assert.Throws<ObjectDisposedException>(session.GetParameters);
        Assert.Throws<ObjectDisposedException>(session.GetOptimizerState);
        Assert.Throws<ObjectDisposedException>(() => session.SetParameters(parameters));
        Assert.Equal(0, session.Step); // the properties hold no native state and stay readable
    }

    [Fact]
    public void TrainersRefuseADisposedSessionBeforeTheirFirstStep()
    {
        var observer = new RecordingObserver();
        var session = TrainingSession.Create(Artifacts("tuner"), new OrtSessionSettings());
        var tuner = new FineTuner(session, Options, ["no", "yes"], padId: 0, observer);
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tuner.Run(FineTunerTests.Synthetic(16, 1), FineTunerTests.Synthetic(8, 2), null, default));
        Assert.Empty(observer.Messages);

        var pairs = TrainingSession.Create(Artifacts("contrastive", TrainingObjective.PairSimilarity), new OrtSessionSettings());
        var contrastive = new ContrastiveTrainer(pairs, new ContrastiveOptions { Epochs = 1, BatchSize = 8, MinimumSteps = 0 }, ["no", "yes"], padId: 0,
            observer, new OrtSessionSettings());
        pairs.Dispose();
        Assert.Throws<ObjectDisposedException>(() => contrastive.Run(FineTunerTests.Synthetic(16, 1), FineTunerTests.Synthetic(8, 2), null, default));
    }

    [Fact]
    public void ADisposedEmbedderThrowsObjectDisposed()
    {
        var artifacts = Artifacts("embedder", TrainingObjective.PairSimilarity);
        IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters;
        using (var session = TrainingSession.Create(artifacts, new OrtSessionSettings()))
            parameters = [.. session.GetParameters(), .. session.FrozenParameters];
        var embedder = SentenceEmbedder.Create(artifacts, parameters, new OrtSessionSettings());
        embedder.Dispose();
        embedder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => embedder.Embed(FineTunerTests.Synthetic(4, 1), padId: 0));
    }
}
