using System.Diagnostics;
using System.Globalization;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.FineTuning;

/// <summary>
/// Shows training progress: a live progress bar (epoch, step, loss, learning rate, samples/s, ETA) on a terminal,
/// plain log lines when output is redirected, and a line per evaluation either way. Given the command that continues the
/// run (<see cref="TrainingDestinations.ResumeCommand"/>), a run stopped at a checkpoint ends by naming it.
/// </summary>
public sealed class ConsoleTrainingObserver(IAnsiConsole console, string? resumeCommand = null) : ITrainingObserver
{
    private ProgressTask? _task;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private long _firstStep = -1;

    /// <summary>Runs <paramref name="training"/> under a progress bar when the console is interactive.</summary>
    public T Run<T>(Func<T> training)
    {
        if (!console.Profile.Capabilities.Interactive) return training();
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                _task = context.AddTask("training", maxValue: 1);
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
            $"eval epoch {evaluation.Epoch} step {evaluation.Step}: loss {r.Loss:F4} accuracy {r.Accuracy:F4} macro_f1 {r.MacroF1:F4}{(evaluation.IsBest ? " (best)" : "")}")));
    }

    // The trainer's remarks name its options as the library does; the console names the flags that set them.
    public void OnMessage(string message) => console.MarkupLine(Markup.Escape(Cli.OptionFlags.InText(message)));

    // Running the same command again starts over (and discards the checkpoint): the way on is --resume, said here.
    public void OnStoppedAtCheckpoint(long step, string checkpointDirectory)
    {
        if (resumeCommand is null)
        {
            OnMessage($"Cancelled at step {step}; checkpoint written to {checkpointDirectory}.");
            return;
        }
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Cancelled at step {step}; checkpoint written to {checkpointDirectory}. To continue this run: {resumeCommand}")));
    }
}
