using OrtAgent.Onnx;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests;

/// <summary>
/// A reader without the run's claim (an export beside a run still training) read the properties at the open, the
/// weights and the trainer state later, each a fresh open: a save by the run in between gave weights of one step under
/// the step of another, and a read between the save's two renames a raw missing-file error. Each save here marks its
/// weights with its step (the head's bias holds it), so a read of one checkpoint gives a bias equal to its step.
/// </summary>
public sealed class ReadWithoutClaimTests : IDisposable
{
    private readonly TempDirectory _root = new("read-without-claim");
    private readonly TrainingArtifacts _run;

    public ReadWithoutClaimTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        _run = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("run"));
        Save(1);
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void ASaveBetweenTheStateAndTheWeightsIsReadAgainWholeFromTheNewCheckpoint()
    {
        int reads = 0;

        var read = TrainingArtifacts.ReadWithoutClaim(_run.Directory, artifacts => ReadStepAndBias(artifacts, between: () =>
        {
            if (++reads == 1) Save(2);
        }));

        Assert.Equal((2L, 2f), read);
        Assert.Equal(2, reads);
    }

    [Fact]
    public void ASaveDuringEveryReadIsRefusedSayingToTryAgain()
    {
        int reads = 0;

        var refused = Assert.Throws<UserInputException>(() => TrainingArtifacts.ReadWithoutClaim(_run.Directory,
            artifacts => ReadStepAndBias(artifacts, between: () => Save(10 + ++reads))));

        Assert.Equal($"'{_run.Directory}': the run there is saving a checkpoint; try again in a moment", refused.Message);
        Assert.Equal(3, reads);
    }

    [Fact]
    public void AReadBetweenASavesTwoRenamesIsRefusedSayingToTryAgainAndChangesNothing()
    {
        var checkpoint = _run.CheckpointDirectory;
        using var claim = ArtifactsClaim.Acquire(_run.Directory);   // as the run saving there holds it

        var refused = Assert.Throws<UserInputException>(() => TrainingArtifacts.ReadWithoutClaim(_run.Directory,
            artifacts => ReadStepAndBias(artifacts, between: () =>
            {
                // The save's first rename lands here, and the run has not made the second yet.
                if (Directory.Exists(checkpoint)) Directory.Move(checkpoint, checkpoint + ".old");
            })));

        Assert.Equal($"'{_run.Directory}': the run there is saving a checkpoint; try again in a moment", refused.Message);
        Assert.False(Directory.Exists(checkpoint));   // left for the run to complete, not recovered
        Assert.True(Directory.Exists(checkpoint + ".old"));
    }

    /// <summary>
    /// A run killed between a save's two renames leaves <c>checkpoint.old</c> and no checkpoint, with no one holding its
    /// claim. Read as a save in progress, it was refused with "try again" however often it was tried; it is read as
    /// the run's recovery will put it back (<c>checkpoint.old</c>, not the new save staged in <c>checkpoint.next</c>),
    /// and left as it is. A killed holder's lock file may stay behind, unlocked.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ASaveCutShortThatNoRunHoldsIsReadAsItsRecoveryWillLeaveItAndChangesNothing(bool lockFileLeft)
    {
        LeaveASaveCutShort(kept: 1, staged: 2);
        if (lockFileLeft) File.WriteAllText(ProcessLock.FileBeside(_run.Directory), "");
        var before = Snapshot();
        int reads = 0;

        var read = TrainingArtifacts.ReadWithoutClaim(_run.Directory, artifacts => ReadStepAndBias(artifacts, between: () => reads++));

        Assert.Equal((1L, 1f), read);
        Assert.Equal(1, reads);
        Assert.Equal(before, Snapshot());
        // What the run's own open recovers, under its claim, is what was read.
        using (ArtifactsClaim.Acquire(_run.Directory))
            Assert.Equal((1L, 1f), ReadStepAndBias(TrainingArtifacts.Open(_run.Directory), between: () => { }));
    }

    /// <summary>The same directory while a run holds the claim is a save the run is making: refused, saying to try again, and left to the run.</summary>
    [Fact]
    public void ASaveCutShortWhileARunHoldsTheClaimIsRefusedSayingToTryAgain()
    {
        LeaveASaveCutShort(kept: 1, staged: 2);
        using var claim = ArtifactsClaim.Acquire(_run.Directory);
        var before = Snapshot();
        int reads = 0;

        var refused = Assert.Throws<UserInputException>(() => TrainingArtifacts.ReadWithoutClaim(_run.Directory, _ => ++reads));

        Assert.Equal($"'{_run.Directory}': the run there is saving a checkpoint; try again in a moment", refused.Message);
        Assert.Equal(0, reads);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void ADirectoryWithNoRunIsRefusedInItsOwnWordsWithoutReading()
    {
        Directory.Delete(_run.CheckpointDirectory, recursive: true);
        int reads = 0;

        var refused = Assert.Throws<UserInputException>(() => TrainingArtifacts.ReadWithoutClaim(_run.Directory, _ => ++reads));

        Assert.Equal($"'{_run.Directory}' is not a training-artifacts directory: checkpoint/properties.json is missing", refused.Message);
        Assert.Equal(0, reads);
    }

    /// <summary>Reads as an export does: the trainer state, then the weights, with <paramref name="between"/> in between.</summary>
    private static (long Step, float Bias) ReadStepAndBias(TrainingArtifacts artifacts, Action between)
    {
        long step = TrainerState.Load(artifacts.TrainerStatePath).Step;
        between();
        var bias = SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors.Single(t => t.Key == ClassifierHead.BiasName).Value;
        return (step, bias.AsSpan<float>()[0]);
    }

    /// <summary>
    /// Leaves the run as a kill between a save's two renames does: the checkpoint of step <paramref name="kept"/> moved to
    /// <c>checkpoint.old</c>, the new one, of step <paramref name="staged"/>, complete in <c>checkpoint.next</c>, none in place.
    /// </summary>
    private void LeaveASaveCutShort(long kept, long staged)
    {
        var checkpoint = _run.CheckpointDirectory;
        Save(kept);
        var keptCopy = _root.Combine("kept");
        Directory.CreateDirectory(keptCopy);
        foreach (var file in Directory.EnumerateFiles(checkpoint)) File.Copy(file, Path.Combine(keptCopy, Path.GetFileName(file)));
        Save(staged);
        Directory.Move(checkpoint, checkpoint + ".next");
        Directory.Move(keptCopy, checkpoint + ".old");
    }

    /// <summary>Every file under the run's folder, with its size and write time, and the lock file beside it.</summary>
    private Dictionary<string, (long, DateTime)> Snapshot()
    {
        var lockFile = ProcessLock.FileBeside(_run.Directory);
        return Directory.EnumerateFiles(_run.Directory, "*", SearchOption.AllDirectories).Append(lockFile).Where(File.Exists)
            .ToDictionary(path => path, path => (new FileInfo(path).Length, File.GetLastWriteTimeUtc(path)));
    }

    /// <summary>Saves a checkpoint as the run does, of step <paramref name="step"/>, its head's bias all <paramref name="step"/>.</summary>
    private void Save(long step)
    {
        var parameters = SafeTensorsReader.Read(_run.ModelCheckpointPath).Tensors
            .Select(p => p.Key == ClassifierHead.BiasName
                ? KeyValuePair.Create(p.Key, TensorData.Create<float>(p.Value.Dims, Enumerable.Repeat((float)step, (int)p.Value.ElementCount).ToArray()))
                : p)
            .ToList();
        _run.SaveCheckpoint(parameters, SafeTensorsReader.Read(_run.OptimizerCheckpointPath).Tensors, _run.Properties, new TrainerState { Step = step }.ToJson());
    }
}
