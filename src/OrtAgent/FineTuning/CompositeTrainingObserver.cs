using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>Forwards every report to each of several observers, in order.</summary>
public sealed class CompositeTrainingObserver(params ITrainingObserver[] observers) : ITrainingObserver
{
    public void OnTrainingStarted(long fromStep)
    {
        foreach (var o in observers) o.OnTrainingStarted(fromStep);
    }

    public void OnStep(TrainingStepInfo step)
    {
        foreach (var o in observers) o.OnStep(step);
    }

    public void OnEvaluation(EvaluationInfo evaluation)
    {
        foreach (var o in observers) o.OnEvaluation(evaluation);
    }

    public void OnMessage(string message)
    {
        foreach (var o in observers) o.OnMessage(message);
    }

    public void OnWarning(string message)
    {
        foreach (var o in observers) o.OnWarning(message);
    }

    public void OnCheckpointSaved(long step)
    {
        foreach (var o in observers) o.OnCheckpointSaved(step);
    }

    public void OnStoppedAtCheckpoint(long step, string checkpointDirectory)
    {
        foreach (var o in observers) o.OnStoppedAtCheckpoint(step, checkpointDirectory);
    }
}
