using OrtAgent.Training.Evaluation;

namespace OrtAgent.FineTuning;

/// <summary>What a training job produced.</summary>
/// <remarks><c>Promotion</c> is null when no promotion was asked for.</remarks>
public sealed record TrainJobResult(
    string OutputDirectory,
    string ArtifactsDirectory,
    ClassificationReport? BestReport,
    ValidationMetric Metric,
    double? BestMetric,
    long Steps,
    bool StoppedEarly,
    TimeSpan Elapsed,
    PromotionDecision? Promotion);
