using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.Infrastructure;

/// <summary>Cancels <paramref name="stop"/> once <paramref name="steps"/> steps were reported: a library run stopped part-way, as Ctrl+C stops the CLI's.</summary>
internal sealed class StopAfterSteps(int steps, CancellationTokenSource stop) : ITrainingObserver
{
    private int _seen;

    public void OnStep(TrainingStepInfo step)
    {
        if (++_seen == steps) stop.Cancel();
    }

    public void OnEvaluation(EvaluationInfo evaluation) { }

    public void OnMessage(string message) { }
}
