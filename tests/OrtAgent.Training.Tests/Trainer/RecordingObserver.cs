using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>Keeps everything a training loop reports, in order; <see cref="OnStepHook"/> runs after each step.</summary>
internal sealed class RecordingObserver : ITrainingObserver
{
    public List<TrainingStepInfo> Steps { get; } = [];
    public List<EvaluationInfo> Evaluations { get; } = [];
    public List<string> Messages { get; } = [];
    public Action<RecordingObserver>? OnStepHook { get; init; }

    /// <summary>Steps of the checkpoint saves reported, in order.</summary>
    public List<long> SavedCheckpoints { get; } = [];

    /// <summary>Every evaluation and save reported, in order: <c>evaluated 12</c>, <c>saved 36</c>.</summary>
    public List<string> Reports { get; } = [];

    /// <summary>Runs at each save reported, with its step.</summary>
    public Action<long>? OnCheckpointSavedHook { get; init; }

    /// <summary>Each start of training reported: the step it began from, and how many steps had been reported before it.</summary>
    public List<(long FromStep, int StepsBefore)> TrainingStarts { get; } = [];

    /// <summary>Runs at the start of training reported, with its step; a throw there ends the run.</summary>
    public Action<long>? OnTrainingStartedHook { get; init; }

    public void OnTrainingStarted(long fromStep)
    {
        TrainingStarts.Add((fromStep, Steps.Count));
        OnTrainingStartedHook?.Invoke(fromStep);
    }

    public void OnStep(TrainingStepInfo step)
    {
        Steps.Add(step);
        OnStepHook?.Invoke(this);
    }

    /// <summary>Runs at each evaluation reported.</summary>
    public Action<EvaluationInfo>? OnEvaluationHook { get; init; }

    public void OnEvaluation(EvaluationInfo evaluation)
    {
        Evaluations.Add(evaluation);
        Reports.Add($"evaluated {evaluation.Step}");
        OnEvaluationHook?.Invoke(evaluation);
    }

    public void OnCheckpointSaved(long step)
    {
        SavedCheckpoints.Add(step);
        Reports.Add($"saved {step}");
        OnCheckpointSavedHook?.Invoke(step);
    }

    /// <summary>Steps a stop was reported at (<see cref="ITrainingObserver.OnStoppedAtCheckpoint"/>).</summary>
    public List<long> StoppedAt { get; } = [];

    public void OnStoppedAtCheckpoint(long step, string checkpointDirectory) => StoppedAt.Add(step);

    /// <summary>Runs at each message (and warning) reported, with its text.</summary>
    public Action<string>? OnMessageHook { get; init; }

    public void OnMessage(string message)
    {
        Messages.Add(message);
        OnMessageHook?.Invoke(message);
    }
}
