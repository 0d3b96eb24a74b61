using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// The warning a repeated <c>train</c> or <c>distill</c> gives before it discards a stopped run names the command that
/// continues that run instead. The artifacts do not record where the run ran or where it promotes, so that command
/// carries this one's <c>--threads</c>/<c>--device</c>/<c>--no-tf32</c> and <c>--promote-to</c>, as the Ctrl+C line
/// does: without <c>--promote-to</c> a nightly run continued by it would export and never promote. The command is the
/// one that made the run, which alone continues it (<c>train --resume</c> refuses a student), and a run of the other
/// command is told even when it finished, before a new run replaces it.
/// </summary>
public sealed class ReplacedRunWarningTests : IDisposable
{
    private readonly TempDirectory _root = new("unfinished-run-warning");
    private readonly TrainingArtifacts _run;

    public ReplacedRunWarningTests()
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

        string? warning = TrainingDestinations.ReplacedRunWarning("train", _run.Directory, session, "/srv/model");

        string resume = TrainingDestinations.ResumeCommand("train", _run.Directory, session, "/srv/model");
        Assert.Equal($"ortagent train --resume {_run.Directory} --threads 1 --promote-to /srv/model", resume);
        Assert.Equal($"{_run.Directory} holds a run stopped at step 7, before it finished; it will be discarded once this new run is built " +
            $"(Ctrl+C before then keeps it, and {resume} continues it)", warning);
    }

    [Fact]
    public void WithNothingToCarryItNamesTheBareResume()
    {
        Assert.EndsWith($"(Ctrl+C before then keeps it, and ortagent train --resume {_run.Directory} continues it)",
            TrainingDestinations.ReplacedRunWarning("train", _run.Directory, new OrtSessionSettings()));
    }

    private TrainingArtifacts Student(string name, long step, bool finished)
    {
        var student = TrainingArtifacts.Generate(new TrainingArtifactsOptions
        {
            BaseModel = _root.Combine("base"), Labels = ["no", "yes"], Loss = OrtAgent.Training.Losses.LossKind.Distillation,
        }, _root.Combine(name));
        new StudentRecord(_root.Combine("teacher"), [0], null).Write(student.Directory);
        File.WriteAllText(student.TrainerStatePath, new TrainerState { Step = step, Finished = finished }.ToJson());
        return student;
    }

    [Fact]
    public void AStoppedStudentIsContinuedByDistillEvenWhenTrainIsAboutToReplaceIt()
    {
        var student = Student("student", 19, finished: false);

        // The promotion is train's alone: distill has no --promote-to.
        Assert.Equal($"{student.Directory} holds a distill run (a student) stopped at step 19, before it finished; it will be discarded once this new run is built " +
            $"(Ctrl+C before then keeps it, and ortagent distill --resume {student.Directory} --threads 1 continues it)",
            TrainingDestinations.ReplacedRunWarning("train", student.Directory, new OrtSessionSettings { IntraOpThreads = 1 }, "/srv/model"));
        Assert.EndsWith($"(Ctrl+C before then keeps it, and ortagent distill --resume {student.Directory} continues it)",
            TrainingDestinations.ReplacedRunWarning("distill", student.Directory, new OrtSessionSettings()));
    }

    [Fact]
    public void AStoppedClassifierRunIsContinuedByTrainEvenWhenDistillIsAboutToReplaceIt()
    {
        Assert.Equal($"{_run.Directory} holds a train run (a classifier) stopped at step 7, before it finished; it will be discarded once this new run is built " +
            $"(Ctrl+C before then keeps it, and ortagent train --resume {_run.Directory} continues it)",
            TrainingDestinations.ReplacedRunWarning("distill", _run.Directory, new OrtSessionSettings()));
    }

    [Fact]
    public void AFinishedRunIsToldOnlyWhenTheOtherCommandReplacesIt()
    {
        var student = Student("finished-student", 100, finished: true);
        File.WriteAllText(_run.TrainerStatePath, new TrainerState { Step = 40, Finished = true }.ToJson());

        Assert.Equal($"{student.Directory} holds a distill run (a student) that finished at step 100; this train run replaces it once it is built (Ctrl+C before then keeps it)",
            TrainingDestinations.ReplacedRunWarning("train", student.Directory, new OrtSessionSettings()));
        Assert.Equal($"{_run.Directory} holds a train run (a classifier) that finished at step 40; this distill run replaces it once it is built (Ctrl+C before then keeps it)",
            TrainingDestinations.ReplacedRunWarning("distill", _run.Directory, new OrtSessionSettings()));
        Assert.Null(TrainingDestinations.ReplacedRunWarning("distill", student.Directory, new OrtSessionSettings()));
        Assert.Null(TrainingDestinations.ReplacedRunWarning("train", _run.Directory, new OrtSessionSettings()));
    }
}
