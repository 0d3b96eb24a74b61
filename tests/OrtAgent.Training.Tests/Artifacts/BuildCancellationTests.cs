using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;

namespace OrtAgent.Training.Tests;

/// <summary>
/// A stop while a new run's artifacts build: the token was looked at before the training graph and once all was built,
/// so a cancel during the build waited for the whole of it (tens of seconds on a full-size encoder). It is looked at
/// before each part, so a cancel is taken before the next part runs, with nothing written: no directory where there
/// was none, and a run already there file for file as it was.
/// </summary>
public sealed class BuildCancellationTests : IDisposable
{
    private readonly TempDirectory _root = new("build-cancel");
    private readonly string _base;

    public BuildCancellationTests()
    {
        _base = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(_base);
    }

    public void Dispose() => _root.Dispose();

    private TrainingArtifactsOptions Options => new() { BaseModel = _base, Labels = ["no", "yes"], Seed = 3 };

    [Theory]
    [InlineData(nameof(TrainingBuildPhase.TrainingGraph))]
    [InlineData(nameof(TrainingBuildPhase.Gradients))]
    [InlineData(nameof(TrainingBuildPhase.OptimizerGraph))]
    [InlineData(nameof(TrainingBuildPhase.Writing))]
    public void ACancelDuringTheBuildIsTakenBeforeTheNextPartWithNothingWritten(string part)
    {
        var cancelledIn = Enum.Parse<TrainingBuildPhase>(part);
        string fresh = _root.Combine("fresh");
        var phases = new List<TrainingBuildPhase>();
        using var stop = new CancellationTokenSource();

        // Cancelled as the part before cancelledIn begins to build, as a Ctrl+C while it builds would be: that part
        // finishes, and cancelledIn must not begin.
        Assert.Throws<OperationCanceledException>(() => TrainingArtifacts.Generate(Options, fresh, encoder: null, startFrom: null, beforeBuilding: () => { },
            stop.Token, onPhase: phase =>
            {
                phases.Add(phase);
                if (phase == cancelledIn - 1) stop.Cancel();
            }));

        Assert.Equal(Enum.GetValues<TrainingBuildPhase>().TakeWhile(phase => phase != cancelledIn), phases);
        Assert.False(Directory.Exists(fresh));
    }

    [Fact]
    public void ACancelDuringTheBuildLeavesARunAlreadyThereAsItWas()
    {
        string directory = TrainingArtifacts.Generate(Options, _root.Combine("run")).Directory;
        var before = Snapshot(directory);
        using var stop = new CancellationTokenSource();
        var phases = new List<TrainingBuildPhase>();

        Assert.Throws<OperationCanceledException>(() => TrainingArtifacts.Generate(Options with { Seed = 4 }, directory, encoder: null, startFrom: null,
            beforeBuilding: () => { }, stop.Token, onPhase: phase =>
            {
                phases.Add(phase);
                if (phase == TrainingBuildPhase.TrainingGraph) stop.Cancel();
            }));

        Assert.DoesNotContain(TrainingBuildPhase.Gradients, phases);
        Assert.Equal(before, Snapshot(directory));
    }

    // Every file under the directory by relative path, with its bytes' SHA-256.
    private static SortedDictionary<string, string> Snapshot(string directory) =>
        new(Directory.GetFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            path => Path.GetRelativePath(directory, path),
            path => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))), StringComparer.Ordinal);
}
