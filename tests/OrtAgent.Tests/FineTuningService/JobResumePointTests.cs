using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Tests.Commands;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Trainer;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>Where a stopped job's events say it continues from.</summary>
public sealed class JobResumePointTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// A job stopped after building its graphs but before its first optimizer step holds the checkpoint it began from; its
    /// events said "resumes from its checkpoint at step 0", while a job stopped a moment earlier "resumes from the start".
    /// </summary>
    [Fact]
    public async Task ACheckpointBeforeAnyStepIsTheStart()
    {
        Assert.Equal("the start (no checkpoint was written yet)", JobRunner.ResumePoint(_work.Combine("none")));
        var artifacts = _work.Combine("artifacts");
        var built = await CliRun.RunAsync(["artifacts", "--base", tiny.BaseModel, "--labels", "negative", "positive", "--output", artifacts]);
        Assert.True(built.ExitCode == 0, built.ToString());
        // What a run stopped before its first step leaves: its state at step 0 beside the checkpoint it began from.
        File.WriteAllText(TrainingArtifacts.Open(artifacts).TrainerStatePath, new TrainerState { Seed = 1 }.ToJson());

        Assert.Equal("the start (it had taken no optimizer step)", JobRunner.ResumePoint(artifacts));
    }
}
