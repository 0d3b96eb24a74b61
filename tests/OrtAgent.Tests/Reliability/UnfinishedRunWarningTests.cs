using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// The warning a repeated <c>train</c> or <c>distill</c> gives before it discards a stopped run names the command that
/// continues that run instead. The artifacts do not record where the run ran or where it promotes, so that command
/// carries this one's <c>--threads</c>/<c>--device</c>/<c>--no-tf32</c> and <c>--promote-to</c>, as the Ctrl+C line
/// does: without <c>--promote-to</c> a nightly run continued by it would export and never promote.
/// </summary>
public sealed class UnfinishedRunWarningTests : IDisposable
{
    private readonly TempDirectory _root = new("unfinished-run-warning");
    private readonly TrainingArtifacts _run;

    public UnfinishedRunWarningTests()
    {
        var baseModel = _root.Combine("base");
        TinyBertBuilder.WriteBaseModel(baseModel);
        _run = TrainingArtifacts.Generate(new TrainingArtifactsOptions { BaseModel = baseModel, Labels = ["no", "yes"] }, _root.Combine("run"));
        File.WriteAllText(_run.TrainerStatePath, new TrainerState { Step = 7 }.ToJson());
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void TheResumeCommandItNamesCarriesTheThreadsAndThePromotionAsTheCtrlCLineDoes()
    {
        var session = new OrtSessionSettings { IntraOpThreads = 1 };

        string? warning = TrainingDestinations.UnfinishedRunWarning("train", _run.Directory, session, "/srv/model");

        string resume = TrainingDestinations.ResumeCommand("train", _run.Directory, session, "/srv/model");
        Assert.Equal($"ortagent train --resume {_run.Directory} --threads 1 --promote-to /srv/model", resume);
        Assert.Equal($"{_run.Directory} holds a run stopped at step 7, before it finished; it will be discarded once this new run is built " +
            $"(Ctrl+C before then keeps it, and {resume} continues it)", warning);
    }

    [Fact]
    public void WithNothingToCarryItNamesTheBareResume()
    {
        Assert.EndsWith($"(Ctrl+C before then keeps it, and ortagent distill --resume {_run.Directory} continues it)",
            TrainingDestinations.UnfinishedRunWarning("distill", _run.Directory, new OrtSessionSettings()));
    }
}
