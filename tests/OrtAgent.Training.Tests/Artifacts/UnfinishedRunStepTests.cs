using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Artifacts;

/// <summary>
/// <see cref="TrainingArtifacts.UnfinishedRunStep"/>: whether an artifacts directory holds a run that took steps and
/// stopped before it finished, which a new run there would discard (the host's warning says so). The checkpoint's
/// layout is the artifacts' own, so they answer rather than the host spelling it.
/// </summary>
public sealed class UnfinishedRunStepTests : IDisposable
{
    private readonly TempDirectory _root = new("unfinished-run-step");
    private readonly TrainingArtifacts _run;

    public UnfinishedRunStepTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        _run = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("run"));
    }

    public void Dispose() => _root.Dispose();

    private void SaveState(long step, bool finished = false) =>
        File.WriteAllText(_run.TrainerStatePath, new TrainerState { Step = step, Finished = finished }.ToJson());

    [Fact]
    public void ARunStoppedAfterItsFirstStepsIsUnfinishedAtItsStep()
    {
        SaveState(7);

        Assert.Equal(7, TrainingArtifacts.UnfinishedRunStep(_run.Directory));
    }

    [Fact]
    public void ASaveCutShortBetweenItsRenamesIsFoundInTheRetiredCheckpoint()
    {
        SaveState(7);
        Directory.Move(_run.CheckpointDirectory, _run.CheckpointDirectory + ".old");

        Assert.Equal(7, TrainingArtifacts.UnfinishedRunStep(_run.Directory));
    }

    [Fact]
    public void NoStepTakenAFinishedRunAndNoRunLeaveNothingToLose()
    {
        Assert.Null(TrainingArtifacts.UnfinishedRunStep(_run.Directory));
        SaveState(0);
        Assert.Null(TrainingArtifacts.UnfinishedRunStep(_run.Directory));
        SaveState(7, finished: true);
        Assert.Null(TrainingArtifacts.UnfinishedRunStep(_run.Directory));
        Assert.Null(TrainingArtifacts.UnfinishedRunStep(_root.Combine("nothing-here")));
    }

    [Fact]
    public void ARunBeingSetUpOrWithAnUnreadableStateHasNoStepToGive()
    {
        File.WriteAllText(_run.TrainerStatePath, "{ not json");
        Assert.Null(TrainingArtifacts.UnfinishedRunStep(_run.Directory));

        SaveState(7);
        TrainingArtifacts.BeginSetup(_run.Directory);
        Assert.Null(TrainingArtifacts.UnfinishedRunStep(_run.Directory));
    }
}
