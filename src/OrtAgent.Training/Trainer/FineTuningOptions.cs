using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;

namespace OrtAgent.Training.Trainer;

/// <summary>Hyperparameters of a fine-tuning run. Defaults follow common BERT fine-tuning practice.</summary>
public sealed record FineTuningOptions
{
    public int Epochs { get; init; } = 3;

    /// <summary>Examples per micro-batch (one <see cref="TrainingSession.TrainStep"/>).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Micro-batches whose gradients are summed before each optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;

    public double LearningRate { get; init; } = 5e-5;

    public LearningRateScheduleKind Scheduler { get; init; } = LearningRateScheduleKind.Linear;

    public double WarmupRatio { get; init; } = 0.1;

    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Evaluations without improvement before stopping; 0 never stops early.</summary>
    public int Patience { get; init; } = 2;

    /// <summary>What early stopping and the choice of the best model compare.</summary>
    public ValidationMetric Metric { get; init; } = ValidationMetric.Accuracy;

    public int Seed { get; init; } = 42;

    /// <summary>Evaluate every this many optimizer steps as well as at each epoch end; 0 evaluates per epoch only.</summary>
    public int EvaluateEverySteps { get; init; }

    /// <summary>Optimizer steps between progress reports.</summary>
    public int LogEverySteps { get; init; } = 1;

    /// <summary>Checks every value; the first bad one is an <see cref="InvalidOptionException"/> naming its property.</summary>
    public void Validate()
    {
        Require(Epochs >= 1, nameof(Epochs), Epochs, "must be at least 1");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "must be at least 1");
        Require(GradientAccumulation >= 1, nameof(GradientAccumulation), GradientAccumulation, "must be at least 1");
        Require(LearningRate is > 0 and < 1, nameof(LearningRate), LearningRate, "must be between 0 and 1");
        Require(MaxGradNorm >= 0, nameof(MaxGradNorm), MaxGradNorm, "must be 0 (off) or positive");
        Require(EvaluateEverySteps >= 0, nameof(EvaluateEverySteps), EvaluateEverySteps, "must be 0 or positive");
        Require(LogEverySteps >= 1, nameof(LogEverySteps), LogEverySteps, "must be at least 1");
        Require(WarmupRatio is >= 0 and <= 1, nameof(WarmupRatio), WarmupRatio, "must be between 0 and 1");
        Require(Enum.IsDefined(Scheduler), nameof(Scheduler), Scheduler, "expected linear, cosine or constant");
        Require(Enum.IsDefined(Metric), nameof(Metric), Metric, "expected accuracy, macro_f1 or loss");
        Require(Patience >= 0, nameof(Patience), Patience, "must be 0 (off) or more");
    }

    private static void Require(bool condition, string property, object value, string problem)
    {
        if (!condition) throw new InvalidOptionException(InvalidOptionException.Name<FineTuningOptions>(property), value, problem);
    }
}
