namespace OrtAgent.Training.Trainer;

/// <summary>
/// Receives progress from the fine-tuning loop: the CLI shows it (progress bar or log lines) and records it
/// (metrics.jsonl). Calls come from the training thread, in order.
/// </summary>
public interface ITrainingObserver
{
    void OnStep(TrainingStepInfo step);

    void OnEvaluation(EvaluationInfo evaluation);

    /// <summary>A line worth telling the user (checkpoint written, early stop, resume).</summary>
    void OnMessage(string message);
}
