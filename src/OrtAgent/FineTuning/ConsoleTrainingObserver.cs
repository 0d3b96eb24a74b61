using System.Diagnostics;
using System.Globalization;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.FineTuning;

/// <summary>
/// Shows training progress: a live progress bar (epoch, step, loss, learning rate, samples/s, ETA) on a terminal,
/// plain log lines when output is redirected, and a line per evaluation either way. Given the command that continues the
/// run (<see cref="TrainingDestinations.ResumeCommand"/>), a run stopped at a checkpoint ends by naming it; given a
/// <see cref="Cli.StopNotice"/> too, it keeps that up to date with the checkpoint a Ctrl+C keeps. Warnings and the line
/// saying where a run stopped go to <c>stderr</c> (the command line's) when given, as every command's <c>warning:</c>
/// and stop lines do: stdout is for results.
/// </summary>
public sealed class ConsoleTrainingObserver(IAnsiConsole console, string? resumeCommand = null, Cli.StopNotice? stopNotice = null,
    TextWriter? stderr = null) : ITrainingObserver
{
    private ProgressTask? _task;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private long _firstStep = -1;
    private long? _checkpointStep;
    private volatile string? _stopLine;
    private string? _stoppedAtCheckpointLine;

    /// <summary>Runs <paramref name="training"/> under a progress bar when the console is interactive.</summary>
    public T Run<T>(Func<T> training)
    {
        var trained = RunShowingProgress(training);
        // What follows training is the export, which puts the model in place whole or not at all.
        if (_checkpointStep is long step && resumeCommand is not null)
            stopNotice?.Exporting($"keeping the checkpoint at step {step}",
                $"the model is not exported, and the checkpoint at step {step} is kept; to export its model: {resumeCommand}");
        return trained;
    }

    private T RunShowingProgress<T>(Func<T> training)
    {
        if (!console.Profile.Capabilities.Interactive) return training();
        try
        {
            return console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                // The stop line above the bar, wrapped to the terminal's width, and kept on the screen once the bar ends.
                .UseRenderHook((bar, _) => _stopLine is { } stopping ? new Rows(new Text(stopping), bar) : bar)
                .Start(context =>
                {
                    _task = context.AddTask("training", maxValue: 1);
                    // A line written to stderr past the bar is drawn over at its next refresh: the bar draws it instead. The
                    // signal's thread only leaves it for the refresh thread, which alone writes the console while the bar runs.
                    using var stopLines = stopNotice?.ShowThrough(line => _stopLine = line);
                    try
                    {
                        return training();
                    }
                    finally
                    {
                        _task.StopTask();
                    }
                });
        }
        finally
        {
            // Held while the bar ran: it redraws over a line written to the terminal past it (stderr's included).
            if (Interlocked.Exchange(ref _stoppedAtCheckpointLine, null) is { } stopped) stderr!.WriteLine(stopped);
        }
    }

    public void OnTrainingStarted(long fromStep)
    {
        // A new run's step 0 is where it started from, no checkpoint of its own; a resumed run's is the one it continues.
        _checkpointStep = fromStep > 0 ? fromStep : null;
        SayWhatAStopKeeps();
    }

    public void OnCheckpointSaved(long step)
    {
        _checkpointStep = step;
        SayWhatAStopKeeps();
    }

    // While training: one Ctrl+C writes a checkpoint at the end of the step; a second ends the process with the last one.
    private void SayWhatAStopKeeps()
    {
        if (stopNotice is null || resumeCommand is null) return;
        const string Stopping = "the run finishes this step and writes a checkpoint";
        if (_checkpointStep is long step)
            stopNotice.Set(Stopping, $"keeping the checkpoint at step {step}", $"the checkpoint at step {step} is kept; to continue this run: {resumeCommand}");
        else
            stopNotice.Set(Stopping, "keeping nothing: this run has written no checkpoint yet", "nothing of this run is kept (it had written no checkpoint yet)");
    }

    public void OnStep(TrainingStepInfo step)
    {
        if (_firstStep < 0) _firstStep = step.Step - 1;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"epoch {step.Epoch} step {step.Step}/{step.TotalSteps} loss {step.Loss:F4} lr {step.LearningRate:0.0e+00} {step.SamplesPerSecond:F1} samples/s");
        if (_task is not null)
        {
            _task.MaxValue = step.TotalSteps;
            _task.Value = step.Step;
            _task.Description = Markup.Escape(line);
            return;
        }
        if (_sinceLine.Elapsed.TotalSeconds < 10 && step.Step != step.TotalSteps && step.Step != _firstStep + 1) return;
        _sinceLine.Restart();
        double done = step.Step - _firstStep, left = step.TotalSteps - step.Step;
        var eta = TimeSpan.FromSeconds(done > 0 ? _elapsed.Elapsed.TotalSeconds / done * left : 0);
        console.WriteLine($"{line} eta {eta:hh\\:mm\\:ss}");
    }

    public void OnEvaluation(EvaluationInfo evaluation)
    {
        var r = evaluation.Report;
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"eval epoch {evaluation.Epoch} step {evaluation.Step}: loss {r.Loss:F4} accuracy {r.Accuracy:F4} macro_f1 {r.MacroF1:F4}{(evaluation.IsBest && evaluation.ChosenByValidation ? " (kept)" : "")}")));
    }

    // The trainer's remarks name its options as the library does; the console names the flags that set them.
    public void OnMessage(string message) => console.MarkupLine(Markup.Escape(Cli.OptionFlags.InText(message)));

    public void OnWarning(string message)
    {
        if (stderr is null) OnMessage(message);
        else stderr.WriteLine(Cli.OptionFlags.InText(message));
    }

    // Running the same command again starts over (and discards the checkpoint): the way on is --resume, said here.
    public void OnStoppedAtCheckpoint(long step, string checkpointDirectory)
    {
        string line = resumeCommand is null
            ? Cli.OptionFlags.InText($"Cancelled at step {step}; checkpoint written to {checkpointDirectory}.")
            : string.Create(CultureInfo.InvariantCulture, $"Cancelled at step {step}; checkpoint written to {checkpointDirectory}. To continue this run: {resumeCommand}");
        if (stderr is null) console.MarkupLine(Markup.Escape(line));
        else if (_task is not null) _stoppedAtCheckpointLine = line;
        else stderr.WriteLine(line);
    }
}
