using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>
/// A session claims its artifacts directory: a second session there, while the first lives, would checkpoint over it,
/// so it is refused naming the directory; a caller that claimed the directory first trains under its own claim.
/// </summary>
public sealed class TrainingSessionClaimTests : IDisposable
{
    private readonly TempDirectory _root = new("session-claim");
    private readonly TrainingArtifacts _artifacts;

    public TrainingSessionClaimTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        _artifacts = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"], Seed = 3 },
            _root.Combine("run"));
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void ASecondSessionOnTheSameArtifactsIsRefusedUntilTheFirstIsDisposed()
    {
        var first = TrainingSession.Create(_artifacts, new OrtSessionSettings());

        var refused = Assert.Throws<UserInputException>(() => TrainingSession.Create(TrainingArtifacts.Open(_artifacts.Directory), new OrtSessionSettings()));
        Assert.Contains($"artifacts directory {Path.GetFullPath(_artifacts.Directory)}: another training session is using it", refused.Message);

        first.Dispose();
        using var second = TrainingSession.Create(_artifacts, new OrtSessionSettings());
        Assert.Equal(0, second.Step);
    }

    [Fact]
    public void ASessionUnderTheCallersClaimDoesNotRefuseItselfAndLeavesTheClaimToItsOwner()
    {
        using var claim = ArtifactsClaim.Acquire(_artifacts.Directory);
        // Without the claim handed over, the session's own claim meets the caller's.
        Assert.Throws<UserInputException>(() => TrainingSession.Create(_artifacts, new OrtSessionSettings()));

        using (var session = TrainingSession.Create(_artifacts, new OrtSessionSettings(), claim))
            Assert.Equal(0, session.Step);

        Assert.True(claim.IsHeld);
        Assert.Throws<UserInputException>(() => ArtifactsClaim.Acquire(_artifacts.Directory + Path.DirectorySeparatorChar));
        claim.Dispose();
        ArtifactsClaim.Acquire(_artifacts.Directory).Dispose();
    }

    [Fact]
    public void AClaimOnAnotherDirectoryOrAReleasedOneIsAnArgumentError()
    {
        using (var other = ArtifactsClaim.Acquire(_root.Combine("other")))
        {
            var wrong = Assert.Throws<ArgumentException>(() => TrainingSession.Create(_artifacts, new OrtSessionSettings(), other));
            Assert.Contains(_artifacts.Directory, wrong.Message);
        }
        var released = ArtifactsClaim.Acquire(_artifacts.Directory);
        released.Dispose();
        var stale = Assert.Throws<ArgumentException>(() => TrainingSession.Create(_artifacts, new OrtSessionSettings(), released));
        Assert.Contains("released", stale.Message);
    }
}
