using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Cli;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// Ctrl+C says what it does the moment it arrives: a training step can take seconds before the stop is seen, and a user
/// who saw nothing meanwhile pressed again, which ended the process without a word and left its lock files. The first
/// press now says what the run will do and what a second would keep; the second says what is kept, and removes the
/// process's lock files before it ends. Each child starts with SIGINT at its default, as a terminal's Ctrl+C finds it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StopNoticeTests(TinyTrainingFixture tiny) : IClassFixture<TinyTrainingFixture>, IDisposable
{
    private const int Interrupt = 2;
    private const int Termination = 15;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    private string Artifacts => _work.Combine("artifacts", "m");

    /// <summary>
    /// The line the first Ctrl+C prints comes before the checkpoint line (stderr written into stdout, so the two are in
    /// the order written): it said nothing until the step had ended and its checkpoint was written.
    /// </summary>
    [Fact]
    public async Task TheFirstCtrlCSaysAtOnceThatTheRunFinishesItsStepAndWritesACheckpoint()
    {
        string[] args = tiny.TrainArgs(_work.Path, "--epochs", "400", "--patience", "0", "--batch-size", "1");

        var (exitCode, lines) = await RunSignalledAsync(args, "epoch 1 step ", Interrupt);

        string all = string.Join('\n', lines);
        Assert.True(exitCode == 130, all);
        int stopping = lines.FindIndex(l => l.StartsWith(
            "stopping: the run finishes this step and writes a checkpoint (Ctrl+C again stops at once, keeping ", StringComparison.Ordinal));
        int checkpoint = lines.FindIndex(l => l.StartsWith("Cancelled at step ", StringComparison.Ordinal));
        Assert.True(stopping >= 0 && checkpoint > stopping, all);
        Assert.Single(lines, l => l.StartsWith("stopping:", StringComparison.Ordinal));
    }

    /// <summary>
    /// SIGTERM's first line said "Ctrl+C again stops at once", though no Ctrl+C came and a second SIGTERM does not stop
    /// at once (only SIGINT does): it names the Ctrl+C that would.
    /// </summary>
    [Fact]
    public async Task SigtermsLineNamesTheCtrlCThatWouldStopAtOnce()
    {
        string[] args = tiny.TrainArgs(_work.Path, "--epochs", "400", "--patience", "0", "--batch-size", "1");
        var (_, lines) = await RunSignalledAsync(args, "epoch 1 step ", Termination);

        string stopping = Assert.Single(lines, l => l.StartsWith("stopping:", StringComparison.Ordinal));
        Assert.StartsWith("stopping: the run finishes this step and writes a checkpoint (Ctrl+C (SIGINT) stops at once, keeping ", stopping);
    }

    /// <summary>
    /// A second Ctrl+C ends the process at once: it said nothing and left its lock file beside the artifacts. The
    /// resumed run stalls once its recorded data is open (<see cref="CrashPoint.DataOpened"/>; it waited on a FIFO until
    /// data paths refused them), holding its claim, so the second press is sure to find it there.
    /// </summary>
    [Fact]
    public async Task ASecondCtrlCSaysWhatIsKeptAndRemovesTheLockFile()
    {
        string data = _work.Combine("train.csv");
        File.Copy(tiny.TrainCsv, data);
        var stopped = await CliRun.RunCancelledOnAsync(tiny.TrainArgs(_work.Path, "--data", data, "--epochs", "2", "--patience", "0"), "eval ");
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        var before = TreeSnapshot.Take(Artifacts);
        string lockFile = ProcessLock.FileBeside(Artifacts);
        bool claimed = false;
        var stoppingSaid = new TaskCompletionSource();
        Task? secondPress = null;

        var (exitCode, lines) = await RunAsync(["train", "--resume", Artifacts], stallAt: CrashPoint.DataOpened, watch: (process, line) =>
        {
            if (line.StartsWith("stopping:", StringComparison.Ordinal)) stoppingSaid.TrySetResult();
            if (secondPress is not null || !line.StartsWith("Reading ", StringComparison.Ordinal)) return;
            claimed = File.Exists(lockFile);
            IsolatedChildProcess.Signal(process, Interrupt);
            secondPress = Task.Run(async () =>
            {
                // Past the first's echo window however late the first was handled, and bounded for a build without the line.
                await Task.WhenAny(stoppingSaid.Task, Task.Delay(TimeSpan.FromSeconds(30)));
                await Task.Delay(ConsoleCancellation.EchoWindow * 2);
                IsolatedChildProcess.Signal(process, Interrupt, unlessGone: true);
            });
        });
        await secondPress!;

        string all = string.Join('\n', lines);
        Assert.True(claimed, all);
        Assert.True(exitCode == 130, all);
        Assert.False(File.Exists(lockFile), all);
        Assert.Equal([
            $"stopping: the run stops before training (Ctrl+C again stops at once, keeping the run in {Artifacts} as it was)",
            $"stopped at once: the run in {Artifacts} is as it was; to continue it: ortagent train --resume {Artifacts}",
        ], lines.Where(l => l.StartsWith("stop", StringComparison.Ordinal)));
        Assert.Equal(before, TreeSnapshot.Take(Artifacts));
    }

    /// <summary>
    /// While training, what a second Ctrl+C keeps is the last checkpoint written, named with the command that continues
    /// from it; the stop's own checkpoint counts once it is written.
    /// </summary>
    [Fact]
    public async Task WhileTrainingTheNoticeNamesTheLastCheckpointAndTheCommandThatContinuesIt()
    {
        var notice = new StopNotice();

        var stopped = await CliRun.RunCancelledOnAsync(tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0"), "eval ",
            services => services.AddSingleton(notice));

        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        long step = TrainerState.Load(Path.Combine(Artifacts, "checkpoint", "trainer_state.json")).Step;
        Assert.Equal($"stopping: the run finishes this step and writes a checkpoint (Ctrl+C again stops at once, keeping the checkpoint at step {step})",
            notice.StoppingLineFor(interrupt: true));
        Assert.Equal($"stopped at once: the checkpoint at step {step} is kept; to continue this run: ortagent train --resume {Artifacts}",
            notice.StoppedAtOnceLine);
    }

    /// <summary>
    /// Once a new run's artifacts are written, a stop keeps that run at step 0 to resume, and any run that was there is
    /// gone; under the one "Building training graphs" line, a stop then was still said to stop "before training" with
    /// nothing of the run kept. A line says the build is done, and the notice names the run kept from there.
    /// </summary>
    [Fact]
    public async Task OnceBuiltTheNoticeNamesTheNewRunAsKeptToResume()
    {
        string[] args = tiny.TrainArgs(_work.Path, "--epochs", "2", "--patience", "0");
        var (exitCode, lines) = await RunSignalledAsync(args, "Built: ", Interrupt);

        string all = string.Join('\n', lines);
        Assert.True(exitCode == 130, all);
        Assert.Contains($"Built: {Artifacts} holds this run.", lines);
        Assert.Contains($"stopping: the run stops before training (Ctrl+C again stops at once, keeping the run in {Artifacts} as it was)", lines);
        Assert.Equal(0, TrainerState.Load(Path.Combine(Artifacts, "checkpoint", "trainer_state.json")).Step);
    }

    /// <summary><c>export</c> stopped before its model is in place said only <c>cancelled</c>; it says --output is as it was, as train does.</summary>
    [Fact]
    public async Task AStoppedExportSaysTheOutputIsAsItWas()
    {
        var trained = await CliRun.RunAsync(tiny.TrainArgs(_work.Path, "--epochs", "1"));
        Assert.True(trained.ExitCode == 0, trained.ToString());
        string output = _work.Combine("exported");

        var stopped = await CliRun.RunAsync(["export", "--checkpoint", Artifacts, "--output", output, "--quantize", "int8"], new CancellationToken(canceled: true));

        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        // On stderr, where the exit-code table puts what a stop kept: stdout is for results.
        Assert.Equal("", stopped.Output);
        Assert.Equal([$"Cancelled before the model was put in place: {output} is as it was.", "cancelled"], stopped.ErrorLines);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>Runs <paramref name="args"/> and sends <paramref name="signal"/> once, when a line starts with <paramref name="marker"/>.</summary>
    private static Task<(int ExitCode, List<string> Lines)> RunSignalledAsync(string[] args, string marker, int signal)
    {
        bool signalled = false;
        return RunAsync(args, (process, line) =>
        {
            if (signalled || !line.StartsWith(marker, StringComparison.Ordinal)) return;
            signalled = true;
            IsolatedChildProcess.Signal(process, signal);
        });
    }

    /// <summary>Starts ortagent with stderr into stdout and shows <paramref name="watch"/> each line as it comes, until the process ends (within <see cref="Bound"/>).</summary>
    private static async Task<(int ExitCode, List<string> Lines)> RunAsync(string[] args, Action<Process, string> watch, string? stallAt = null)
    {
        var start = new OrtAgentProcess { HangUpIgnored = false, InterruptDefault = true, ErrorIntoOutput = true };
        if (stallAt is not null) start.Environment[CrashPoint.StallVariable] = stallAt;
        using var process = start.Start(args);
        var lines = new List<string>();
        using var limit = new CancellationTokenSource(Bound);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(limit.Token) is string line)
            {
                lines.Add(line);
                watch(process, line);
            }
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"ortagent {string.Join(' ', args)} did not stop in {Bound}:\n{string.Join('\n', lines)}");
        }
        return (process.ExitCode, lines);
    }
}
