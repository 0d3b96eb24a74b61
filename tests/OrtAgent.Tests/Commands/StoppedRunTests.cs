using System.Text.Json;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Commands;

/// <summary>
/// A <c>train</c> run stopped at a checkpoint (Ctrl+C) says the command that continues it, and that command works alone;
/// the same command as before starts over, and says as it starts to build that it will discard the stopped run's
/// checkpoint once built, while a Ctrl+C still keeps it.
/// </summary>
public sealed class StoppedRunTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private string Artifacts => _work.Combine("artifacts", "m");

    private long CheckpointStep() => TrainerState.Load(Path.Combine(Artifacts, "checkpoint", "trainer_state.json")).Step;

    // Two epochs of 9 steps, stopped at the first evaluation (epoch 1's end): the run stops part-way through.
    private string[] Args => tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0");

    [Fact]
    public async Task AStoppedRunNamesTheCommandThatContinuesItWhichNeedsNothingElse()
    {
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        long step = CheckpointStep();
        Assert.InRange(step, 1, 17);
        string resume = $"ortagent train --resume {Artifacts}";
        Assert.Equal([$"Cancelled at step {step}; checkpoint written to {Path.Combine(Artifacts, "checkpoint")}. To continue this run: {resume}", "cancelled"],
            stopped.ErrorLines[^2..]);
        Assert.DoesNotContain("Cancelled", stopped.Output);

        var resumed = await CliRun.RunAsync(resume.Split(' ')[1..]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString() + "\n(the stopped run:)\n" + stopped);
        Assert.Contains($"Resuming {Artifacts} at epoch", resumed.Output);
        Assert.Contains($", step {step}.", resumed.Output);
        Assert.True(File.Exists(_work.Combine("models", "m", "model.onnx")), resumed.ToString());
        // The log beside the model reads as an uninterrupted run's: the stop said nothing into it, nor where the artifacts are.
        string exportedLog = File.ReadAllText(_work.Combine("models", "m", "metrics.jsonl"));
        Assert.DoesNotContain("Cancelled", exportedLog, StringComparison.Ordinal);
        Assert.DoesNotContain(JsonEncodedText.Encode(_work.Path).ToString(), exportedLog, StringComparison.Ordinal);

        // A finished run's rerun replaces nothing worth a warning: its model is exported.
        var rerun = await CliRun.RunAsync(Args);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal("", rerun.Error);
    }

    [Fact]
    public async Task RunningTheSameCommandAgainWarnsOnceThatItDiscardsTheStoppedRunThenStartsOver()
    {
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        long step = CheckpointStep();

        var again = await CliRun.RunAsync(Args);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal([$"warning: {Artifacts} holds a run stopped at step {step}, before it finished; it will be discarded once this new run is built " +
            $"(Ctrl+C before then keeps it, and ortagent train --resume {Artifacts} continues it)"], again.ErrorLines);
        Assert.DoesNotContain("Resuming", again.Output);
        Assert.Contains($"Built: {Artifacts} now holds this run, in place of the run that was there.\n", again.Output);
        Assert.Equal(18, CheckpointStep());
    }

    /// <summary>
    /// Stopping the new run the moment it warns keeps the stopped run file for file (a guard: the old order, warning and
    /// token looked at just before the replacement, kept it too; the warning now comes as the build starts).
    /// </summary>
    [Fact]
    public async Task StoppingTheNewRunAtItsWarningKeepsTheStoppedRunAsItWasToResume()
    {
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        long step = CheckpointStep();
        var before = TreeSnapshot.Take(Artifacts);

        var again = await CliRun.RunCancelledOnErrorAsync(Args, "warning:");

        Assert.True(again.ExitCode == 130, again.ToString());
        Assert.Equal(before, TreeSnapshot.Take(Artifacts));
        var resumed = await CliRun.RunAsync(["train", "--resume", Artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($", step {step}.", resumed.Output);
    }

    /// <summary>
    /// Stopping the new run as the warning advises, while it builds its graphs, keeps the stopped run: the old run's
    /// checkpoint was removed once the graphs were built, whatever the token said, and the advised --resume then
    /// continued the new, empty run.
    /// </summary>
    [Fact]
    public async Task StoppingTheNewRunWhileItBuildsItsGraphsKeepsTheStoppedRunToResume()
    {
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        long step = CheckpointStep();

        var again = await CliRun.RunCancelledOnAsync(Args, "Building training graphs");

        Assert.True(again.ExitCode == 130, again.ToString());
        Assert.Equal(step, CheckpointStep());
        var resumed = await CliRun.RunAsync(["train", "--resume", Artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($", step {step}.", resumed.Output);
    }

    /// <summary>
    /// The same command again <c>--init-from</c> a model whose weights do not fit the new run (one of another base) is
    /// refused once that run is built, and the stopped run stays file for file, to resume. The weights were checked after
    /// the new run's artifacts were written over the stopped one: its checkpoint was gone and the directory left marked
    /// as being set up, which --resume refused.
    /// </summary>
    [Fact]
    public async Task ANewRunFromAModelThatDoesNotFitIsRefusedAndKeepsTheStoppedRunToResume()
    {
        string otherBase = _work.Combine("other-base");
        TinyBertBuilder.WriteBaseModel(otherBase, new TinyBertOptions { Intermediate = 48 });
        var other = await CliRun.RunAsync(tiny.TrainArgs(_work.Combine("other"), "--base", otherBase, "--epochs", "1"));
        Assert.True(other.ExitCode == 0, other.ToString());
        string model = _work.Combine("other", "models", "m");
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        long step = CheckpointStep();
        var before = TreeSnapshot.Take(Artifacts);

        var refused = await CliRun.RunAsync([.. Args, "--init-from", model]);

        Assert.Equal(2, refused.ExitCode);
        // One line: the warning that the stopped run would be discarded came before this refusal, and was not true.
        Assert.StartsWith($"error: --init-from {model}: the model has no weight '", Assert.Single(refused.ErrorLines));
        Assert.Equal(before, TreeSnapshot.Take(Artifacts));
        var resumed = await CliRun.RunAsync(["train", "--resume", Artifacts]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"Resuming {Artifacts} at epoch", resumed.Output);
        Assert.Contains($", step {step}.", resumed.Output);
    }

    /// <summary>
    /// What the artifacts do not record and a resume reads from its command line afresh (where it runs, where it
    /// promotes) is in the command the stop names: without it a cuda run went on on the CPU, a promoting one never promoted.
    /// </summary>
    [Fact]
    public async Task TheCommandAStopNamesKeepsWhatTheArtifactsDoNotRecord()
    {
        string promoted = _work.Combine("promoted");
        var stopped = await CliRun.RunCancelledOnAsync([.. Args, "--threads", "1", "--promote-to", promoted], "eval ");

        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        Assert.Contains($"To continue this run: ortagent train --resume {Artifacts} --threads 1 --promote-to {promoted}\n", stopped.Error);
    }

    /// <summary>
    /// A new run refused once its graphs are being built discards nothing, so it says so in one line, without the warning
    /// that it will discard the stopped run: the warning comes once the options are checked against the encoder.
    /// </summary>
    [Fact]
    public async Task ANewRunRefusedWhileBuildingItsGraphsSaysOneLineAndKeepsTheStoppedRun()
    {
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        long step = CheckpointStep();

        var refused = await CliRun.RunAsync([.. Args, "--freeze-layers", "0-40"]);

        Assert.Equal(2, refused.ExitCode);
        var line = Assert.Single(refused.ErrorLines);
        Assert.StartsWith("error: --freeze-layers '0-40': reaches past the model's encoder", line);
        Assert.Equal(step, CheckpointStep());
    }

    /// <summary>
    /// Ctrl+C after the last optimizer step and its evaluation reaches the export, which keeps what <c>--output</c>
    /// held: the run said only <c>cancelled</c> (exit 130), no word that its training had finished nor of what exports
    /// it. It says both, leaves no model and no staging folder, and the command it names exports without training.
    /// </summary>
    [Fact]
    public async Task ACancelAfterTheLastStepSaysTrainingFinishedAndNamesTheCommandThatExports()
    {
        var stopped = await CliRun.RunCancelledOnAsync(Args, "eval epoch 2 ");

        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        string output = _work.Combine("models", "m");
        string resume = $"ortagent train --resume {Artifacts}";
        Assert.Equal([$"Cancelled before the model was exported: training finished at step 18 (checkpoint in {Path.Combine(Artifacts, "checkpoint")}), " +
            $"and {output} is as it was. To export it: {resume}", "cancelled"], stopped.ErrorLines[^2..]);
        Assert.DoesNotContain("Cancelled", stopped.Output);
        Assert.False(Directory.Exists(output), stopped.ToString());
        Assert.Empty(Directory.Exists(_work.Combine("models")) ? Directory.GetDirectories(_work.Combine("models")) : []);   // no staging left
        Assert.Equal(18, CheckpointStep());

        var resumed = await CliRun.RunAsync(resume.Split(' ')[1..]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"The run in {Artifacts} finished at step 18: nothing is left to train", resumed.Output);
        Assert.True(File.Exists(Path.Combine(output, "model.onnx")), resumed.ToString());
    }

    /// <summary>
    /// Ctrl+C once the model is exported, while it is compared with the one in <c>--promote-to</c>: the run said only
    /// <c>cancelled</c> after "Exported", though the model was in place and nothing promoted. It says so, and the command
    /// it names promotes.
    /// </summary>
    [Fact]
    public async Task ACancelWhilePromotingSaysTheModelIsExportedAndNotPromoted()
    {
        string promoted = _work.Combine("promoted");
        var stopped = await CliRun.RunCancelledOnAsync([.. Args, "--promote-to", promoted], "Exported the ");

        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        string output = _work.Combine("models", "m");
        string resume = $"ortagent train --resume {Artifacts} --promote-to {promoted}";
        Assert.Equal([$"Cancelled before promoting: the model is exported to {output}, and {promoted} is as it was. To compare and promote it: {resume}", "cancelled"],
            stopped.ErrorLines[^2..]);
        Assert.DoesNotContain("Cancelled", stopped.Output);
        Assert.True(File.Exists(Path.Combine(output, "model.onnx")));
        Assert.False(Directory.Exists(promoted));

        var resumed = await CliRun.RunAsync(resume.Split(' ')[1..]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.True(File.Exists(Path.Combine(promoted, "model.onnx")), resumed.ToString());
    }
}
