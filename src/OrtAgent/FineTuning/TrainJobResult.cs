using OrtAgent.Training.Evaluation;

namespace OrtAgent.FineTuning;

/// <summary>What a training job produced.</summary>
/// <remarks>
/// <c>Promotion</c> is null when no promotion was asked for. <c>TrainingTokens</c> counts the tokens of one pass over
/// the training set (special tokens included, after truncation), as the fine-tuning service reports them.
/// <c>Elapsed</c> is this call's time; when <c>Resumed</c>, the steps before the resume took time recorded nowhere.
/// </remarks>
public sealed record TrainJobResult(
    string OutputDirectory,
    string ArtifactsDirectory,
    ClassificationReport? BestReport,
    ValidationMetric Metric,
    double? BestMetric,
    long Steps,
    bool StoppedEarly,
    TimeSpan Elapsed,
    PromotionDecision? Promotion,
    long TrainingTokens = 0,
    bool Resumed = false);
