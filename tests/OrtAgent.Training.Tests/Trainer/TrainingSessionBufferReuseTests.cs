using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// The session keeps one dropout keep-mask buffer and refills it every <see cref="TrainingSession.TrainStep"/> instead
/// of allocating one a step; what a step computes must not depend on what an earlier step left in it.
/// </summary>
public sealed class TrainingSessionBufferReuseTests : IDisposable
{
    private readonly TempDirectory _root = new("buffer-reuse");

    public void Dispose() => _root.Dispose();

    [Fact]
    public void StepsOfOneBatchSizeShareTheDropoutBufferAndAnotherSizeGetsItsOwn()
    {
        using var session = Session();
        int hidden = session.Artifacts.Properties.HiddenSize;
        var data = FineTunerTests.Synthetic(8, 1);
        Assert.Null(session.DropoutKeepInUse);
        session.TrainStep(TrainingBatch.Collate(data, [0, 1, 2, 3], padId: 0), 1f, new Random(1));
        var first = session.DropoutKeepInUse;
        Assert.NotNull(first);
        Assert.Equal(4 * hidden, first.Length);
        session.TrainStep(TrainingBatch.Collate(data, [4, 5, 6, 7], padId: 0), 1f, new Random(2));
        Assert.Same(first, session.DropoutKeepInUse);
        session.TrainStep(TrainingBatch.Collate(data, [0, 1, 2], padId: 0), 1f, new Random(3));
        var smaller = session.DropoutKeepInUse;
        Assert.NotSame(first, smaller);
        Assert.Equal(3 * hidden, smaller!.Length);
    }

    [Fact]
    public void AStepAfterAnotherBatchSizeLosesExactlyWhatItLosesFirst()
    {
        using var session = Session();
        Assert.True(session.Artifacts.Properties.DropoutRatio > 0);
        var data = FineTunerTests.Synthetic(8, 1);
        var batch = TrainingBatch.Collate(data, [0, 1, 2, 3, 4, 5, 6, 7], padId: 0);
        float first = session.TrainStep(batch, 1f, new Random(5));
        session.LazyResetGrad();
        // A smaller batch in between (an epoch's last), then the first batch with the first mask again: the gradients
        // were dropped and no optimizer step ran, so the loss can only differ if the refilled buffer kept something.
        session.TrainStep(TrainingBatch.Collate(data, [0, 1, 2], padId: 0), 1f, new Random(9));
        session.LazyResetGrad();
        session.TrainStep(batch, 1f, new Random(7));
        session.LazyResetGrad();
        Assert.Equal(first, session.TrainStep(batch, 1f, new Random(5)));
    }

    private TrainingSession Session()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        var artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"], Seed = 3 }, _root.Combine("artifacts"));
        return TrainingSession.Create(artifacts, new OrtSessionSettings());
    }
}
