using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.Tests.Trainer;

/// <summary>Keeps everything a training loop reports, in order; <see cref="OnStepHook"/> runs after each step.</summary>
internal sealed class RecordingObserver : ITrainingObserver
{
    public List<TrainingStepInfo> Steps { get; } = [];
    public List<EvaluationInfo> Evaluations { get; } = [];
    public List<string> Messages { get; } = [];
    public Action<RecordingObserver>? OnStepHook { get; init; }

    public void OnStep(TrainingStepInfo step)
    {
        Steps.Add(step);
        OnStepHook?.Invoke(this);
    }

    public void OnEvaluation(EvaluationInfo evaluation) => Evaluations.Add(evaluation);

    public void OnMessage(string message) => Messages.Add(message);
}
