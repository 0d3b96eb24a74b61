using OrtAgent.Training.Trainer;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.TextClassifiers;

namespace OrtAgent.Training.Tests.TextClassifiers;

/// <summary>
/// The facade refuses a run that could not write in one of its folders before it reads or writes anything there, as the
/// command line does: an <see cref="InvalidOptionException"/> naming the artifacts directory and the folder. A resume
/// whose checkpoint folder was read-only trained and then threw the raw UnauthorizedAccessException at its first save
/// (seen with examples/train-classifier as an unprivileged user), leaving <c>checkpoint.next</c> behind. The folder is
/// made unwritable with <see cref="CreationFault"/>, as root, who runs these tests in containers, writes anywhere.
/// </summary>
public sealed class TextClassifierWritableFoldersTests() : TinyBertTrainerTestBase("writable-folders")
{
    private const string ArtifactsOption = "TextClassifierTrainingOptions.ArtifactsDirectory";

    [Fact]
    public void AResumeWhoseCheckpointFolderCannotBeWrittenIsRefusedBeforeAnyStep()
    {
        var training = Reviews(80, 6);
        var options = Options("stopped", TrainingMethod.Standard);
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 3);
        var checkpoint = Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.CheckpointDirectoryName);
        var before = TextClassifierTrainerTests.Contents(options.ArtifactsDirectory);

        var observer = new Tests.Trainer.RecordingObserver();
        InvalidOptionException refused;
        using (CreationFault.ArmIn(checkpoint, new UnauthorizedAccessException()))
            refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options, training, observer: observer));

        Assert.StartsWith(ArtifactsOption, refused.Message);
        Assert.EndsWith($": cannot write in '{checkpoint}' (permission denied); a resumed run writes its checkpoints and records there: "
            + "make it writable, or train in another artifacts directory", refused.Message);
        Assert.Empty(observer.Steps);
        Assert.Equal(before, TextClassifierTrainerTests.Contents(options.ArtifactsDirectory));
        Assert.False(Directory.Exists(options.OutputDirectory));
    }

    /// <summary>
    /// A new run over an earlier run whose checkpoint folder it cannot write in: replacing that run deletes the folder
    /// file by file, which failed once the graphs were built, with the earlier run's <c>best/</c> deleted and its
    /// directory marked as being set up (so no longer resumable). Refused before anything changes now.
    /// </summary>
    [Fact]
    public void ANewRunOverAnEarlierRunWhoseCheckpointFolderCannotBeWrittenLeavesItAsItWas()
    {
        var training = Reviews(80, 6);
        var options = Options("earlier", TrainingMethod.Standard);
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 3);
        var checkpoint = Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.CheckpointDirectoryName);
        var before = TextClassifierTrainerTests.Contents(options.ArtifactsDirectory);

        InvalidOptionException refused;
        using (CreationFault.ArmIn(checkpoint, new UnauthorizedAccessException()))
            refused = Assert.Throws<InvalidOptionException>(() => TextClassifierTrainer.Train(options with { ExistingRun = ExistingRun.Replace }, training));

        Assert.StartsWith(ArtifactsOption, refused.Message);
        Assert.EndsWith($": cannot write in '{checkpoint}' (permission denied); a new run there replaces the earlier run's files: "
            + "make it writable, or train in another artifacts directory", refused.Message);
        Assert.Equal(before, TextClassifierTrainerTests.Contents(options.ArtifactsDirectory));
        Assert.True(TrainingArtifacts.IsSetUp(options.ArtifactsDirectory));
    }

    /// <summary>
    /// A write probe left by a process killed in the instant it existed, in the checkpoint folder of a stopped run: the
    /// resume took it for a file the save did not write and refused its first save, after its steps. It goes now.
    /// </summary>
    [Fact]
    public void AResumeSweepsAKilledProcesssWriteProbeFromItsCheckpointFolder()
    {
        var training = Reviews(80, 6);
        var options = Options("probed", TrainingMethod.Standard);
        TextClassifierTrainerTests.TrainAndCancel(options, training, steps: 3);
        var leftover = Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.CheckpointDirectoryName, $".ortagent-probe-{DeadProcessId}-{Guid.NewGuid():N}");
        File.WriteAllBytes(leftover, []);

        var resumed = TextClassifierTrainer.Train(options, training);

        Assert.True(resumed.Resumed);
        Assert.False(File.Exists(leftover));
    }

    /// <summary>A process id above Linux's largest (<c>pid_max</c> is at most 2^22), so no process has it.</summary>
    internal const int DeadProcessId = 99_999_999;
}
