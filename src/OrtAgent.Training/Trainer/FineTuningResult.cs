using OrtAgent.Onnx;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Trainer;

/// <summary>How a run ended: the best evaluation, its parameters (trainable and frozen), and why it stopped.</summary>
public sealed record FineTuningResult(
    ClassificationReport? BestReport,
    double? BestMetric,
    long BestStep,
    long Steps,
    bool StoppedEarly,
    IReadOnlyList<KeyValuePair<string, TensorData>> BestParameters,
    TimeSpan Elapsed);
