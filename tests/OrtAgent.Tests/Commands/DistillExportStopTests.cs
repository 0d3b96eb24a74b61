using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// Ctrl+C after a distillation's last step, while its student is exported: it said only <c>cancelled</c>, leaving the
/// user to guess whether the student was there. It says that training finished and the output is as it was, and the
/// command it names exports the finished run without training on.
/// </summary>
public sealed class DistillExportStopTests(DistillTeacherFixture teacher) : IClassFixture<DistillTeacherFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task ACancelAfterTheLastStepSaysTrainingFinishedAndNamesTheCommandThatExports()
    {
        string[] args = teacher.DistillArgs(_work.Path, "--epochs", "2", "--patience", "0");
        var artifacts = _work.Combine("artifacts", "student");
        string output = _work.Combine("models", "student");

        var stopped = await CliRun.RunCancelledOnAsync(args, "eval epoch 2 ");

        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        var state = TrainerState.Load(Path.Combine(artifacts, "checkpoint", "trainer_state.json"));
        Assert.True(state.Finished, stopped.ToString());
        string resume = $"ortagent distill --resume {artifacts}";
        Assert.Equal([$"Cancelled before the student was exported: training finished at step {state.Step} (checkpoint in {Path.Combine(artifacts, "checkpoint")}), " +
            $"and {output} is as it was. To export it: {resume}", "cancelled"], stopped.ErrorLines[^2..]);
        Assert.DoesNotContain("Cancelled", stopped.Output);
        Assert.False(File.Exists(Path.Combine(output, "model.onnx")), stopped.ToString());

        var resumed = await CliRun.RunAsync(resume.Split(' ')[1..]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.True(File.Exists(Path.Combine(output, "model.onnx")), resumed.ToString());
        Assert.Equal(state.Step, TrainerState.Load(Path.Combine(artifacts, "checkpoint", "trainer_state.json")).Step);
    }
}
