using OrtAgent.Onnx;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Trainer;

/// <summary>How a run ended: the best evaluation, its parameters (trainable and frozen), and why it stopped.</summary>
/// <param name="BestReport">The validation report of the kept model (the best by the monitored metric, or the last when the
/// run does not choose by validation); null when the run had no validation set to report on.</param>
/// <param name="BestMetric">The kept model's own value of the monitored metric (not the smoothed value it was chosen by),
/// as the exported model records it; null when nothing was evaluated.</param>
/// <param name="BestStep">The optimizer step the kept model is from.</param>
/// <param name="Steps">The optimizer steps the run had taken when it ended, counting those before a resume.</param>
/// <param name="StoppedEarly">True when early stopping ended the run before its last step.</param>
/// <param name="BestParameters">The kept model's parameters by graph name, trainable and frozen: what an export writes.</param>
/// <param name="Elapsed">The wall-clock time of this call (not of the steps before a resume).</param>
public sealed record FineTuningResult(
    ClassificationReport? BestReport,
    double? BestMetric,
    long BestStep,
    long Steps,
    bool StoppedEarly,
    IReadOnlyList<KeyValuePair<string, TensorData>> BestParameters,
    TimeSpan Elapsed);
