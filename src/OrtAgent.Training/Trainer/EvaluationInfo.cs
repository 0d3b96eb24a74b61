using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Trainer;

/// <summary>A validation pass: its report, whether it is the best so far, and where in the run it happened.</summary>
/// <param name="Epoch">The epoch the evaluation ended (1-based).</param>
/// <param name="Step">The optimizer steps taken when the model was evaluated.</param>
/// <param name="Report">The validation set's loss, accuracy, macro F1 and per-class scores.</param>
/// <param name="IsBest">True when this evaluation improved on the monitored value so far.</param>
/// <param name="MonitoredValue">The value of the monitored metric that the run compares.</param>
public sealed record EvaluationInfo(int Epoch, long Step, ClassificationReport Report, bool IsBest, double MonitoredValue);
