using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Trainer;

/// <summary>A validation pass: its report, whether it is the best so far, and where in the run it happened.</summary>
public sealed record EvaluationInfo(int Epoch, long Step, ClassificationReport Report, bool IsBest, double MonitoredValue);
