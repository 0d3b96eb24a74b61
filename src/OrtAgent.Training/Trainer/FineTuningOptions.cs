using OrtAgent.Runtime.Text;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;

namespace OrtAgent.Training.Trainer;

/// <summary>Hyperparameters of a fine-tuning run. Defaults follow common BERT fine-tuning practice.</summary>
public sealed record FineTuningOptions
{
    /// <summary>Passes over the training set, at least 1; raised when needed to reach <see cref="MinimumSteps"/>.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Examples per micro-batch (one <see cref="TrainingSession.TrainStep"/>).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Micro-batches whose gradients are summed before each optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>
    /// The peak learning rate, in (0, 1), reached at the end of warmup. Null (the default) leaves it to what the run
    /// trains (<see cref="WithLearningRateResolved"/>): <see cref="DefaultLearningRate"/> for the whole model (and a
    /// distilled student), <see cref="Adapters.LoraOptions.DefaultLearningRate"/> for LoRA adapters, and for a resumed
    /// run the rate it began with. Any number set, 5e-5 included, is trained at as given.
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>The peak learning rate of a run that trains the whole model and sets none (<see cref="LearningRate"/> null).</summary>
    public const double DefaultLearningRate = 5e-5;

    /// <summary>
    /// These settings with <see cref="LearningRate"/> resolved: as set; else <paramref name="resumedRate"/>, the rate a
    /// resumed run recorded as it began; else <see cref="Adapters.LoraOptions.DefaultLearningRate"/> for a run that
    /// trains LoRA adapters and <see cref="DefaultLearningRate"/> for one that trains the whole model. The one place
    /// those defaults are applied: <c>ortagent train</c>, <see cref="TextClassifiers.TextClassifierTrainer"/> and
    /// <see cref="FineTuner"/> all call it, so what a run records and its card shows is the rate it trains at.
    /// </summary>
    /// <param name="loraAdapters">Whether the run trains LoRA adapters (and the head) rather than the whole model.</param>
    /// <param name="resumedRate">The learning rate a resumed run recorded, or null for a new run (or one that recorded none).</param>
    public FineTuningOptions WithLearningRateResolved(bool loraAdapters, double? resumedRate = null) =>
        LearningRate is not null ? this
            : this with { LearningRate = resumedRate ?? (loraAdapters ? Adapters.LoraOptions.DefaultLearningRate : DefaultLearningRate) };

    /// <summary>How the rate falls after warmup; linear decay to 0 by default.</summary>
    public LearningRateScheduleKind Scheduler { get; init; } = LearningRateScheduleKind.Linear;

    /// <summary>The share of all optimizer steps, in [0, 1], over which the rate climbs linearly from 0 to <see cref="LearningRate"/>.</summary>
    public double WarmupRatio { get; init; } = 0.1;

    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Evaluations without improvement before stopping; 0 never stops early.</summary>
    public int Patience { get; init; } = 2;

    /// <summary>What early stopping and the choice of the best model compare.</summary>
    public ValidationMetric Metric { get; init; } = ValidationMetric.Accuracy;

    /// <summary>Seeds the batch order of each epoch and the dropout masks, 0 or more; a resumed run must use the one it started with.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Evaluate every this many optimizer steps as well as at each epoch end; 0 evaluates per epoch only.</summary>
    public int EvaluateEverySteps { get; init; }

    /// <summary>
    /// The least number of optimizer steps a run takes: on data too small for <see cref="Epochs"/> to reach it, the
    /// epoch count rises to <c>ceil(MinimumSteps / steps per epoch)</c>, and early stopping does not end the run before
    /// it. 16 texts at batch 16 are one step an epoch: three epochs would be three steps. 0 turns it off.
    /// </summary>
    public int MinimumSteps { get; init; } = DefaultMinimumSteps;

    /// <summary>
    /// Training time after which a run writes a checkpoint at the next optimizer step, besides those at epoch ends, so
    /// a process killed hard (which cannot checkpoint on its way out, as a stop does) loses at most this much of its
    /// training. <see cref="TimeSpan.Zero"/> writes one after every step; <see cref="Timeout.InfiniteTimeSpan"/> at
    /// epoch ends only. Each is the whole model and optimizer state (270 MB for minilm).
    /// </summary>
    // When checkpoints are written changes nothing a run computes, so a run's recorded settings (and its resume) leave it out.
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan CheckpointInterval { get; init; } = DefaultCheckpointInterval;

    /// <summary>The default of <see cref="CheckpointInterval"/>: 10 minutes.</summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromMinutes(10);

    /// <summary>The default of <see cref="MinimumSteps"/>.</summary>
    public const int DefaultMinimumSteps = 100;

    /// <summary>
    /// Validation sets smaller than this are judged on the mean of the last <see cref="SmoothingWindow"/> evaluations
    /// (for early stopping and the best model): on 30 texts one text is 3.3 points of accuracy, and the single best
    /// evaluation among many is mostly the luckiest.
    /// </summary>
    public const int SmallValidationSet = 100;

    /// <summary>Evaluations averaged for a validation set under <see cref="SmallValidationSet"/> examples; 1 judges each alone.</summary>
    public int SmoothingWindow { get; init; } = DefaultSmoothingWindow;

    /// <summary>The default of <see cref="SmoothingWindow"/>.</summary>
    public const int DefaultSmoothingWindow = 3;

    /// <summary>
    /// Validation sets smaller than this do not choose the model: the run takes every planned step and keeps its last
    /// model, and does not stop early. On 2 validation texts (8 examples per class, 10% held out) each text is 50 points
    /// of accuracy, and the first evaluation that gets both right, an almost untrained model, would be kept.
    /// 0: always choose.
    /// </summary>
    public int MinimumValidationToSelect { get; init; } = DefaultMinimumValidationToSelect;

    /// <summary>The default of <see cref="MinimumValidationToSelect"/>.</summary>
    public const int DefaultMinimumValidationToSelect = 20;

    /// <summary>
    /// Which model the run keeps. <see cref="ModelToKeep.Last"/> suits larger data whose validation accuracies differ by a
    /// text or two from epoch to epoch: a tie keeps the earlier model, trained with less of the schedule behind it.
    /// </summary>
    public ModelToKeep Keep { get; init; } = ModelToKeep.Best;

    /// <summary>Whether a validation set of <paramref name="validationCount"/> examples chooses the model and may stop the run early.</summary>
    public bool SelectsOnValidation(int validationCount) => Keep == ModelToKeep.Best && validationCount >= MinimumValidationToSelect;

    /// <summary>The optimizer steps an epoch of <paramref name="examples"/> takes: batches of <see cref="BatchSize"/>, <see cref="GradientAccumulation"/> of them a step.</summary>
    internal int StepsPerEpoch(int examples) =>
        LengthBucketBatcher.BatchCount(LengthBucketBatcher.BatchCount(examples, BatchSize), GradientAccumulation);

    /// <summary>The epochs a run of <paramref name="stepsPerEpoch"/> optimizer steps an epoch takes: <see cref="Epochs"/>, or more to reach <see cref="MinimumSteps"/>.</summary>
    public int EpochsFor(int stepsPerEpoch) =>
        Math.Max(Epochs, MinimumSteps == 0 ? 0 : (MinimumSteps + stepsPerEpoch - 1) / Math.Max(1, stepsPerEpoch));

    /// <summary>
    /// The learning rates of a run over <paramref name="trainingExamples"/> training examples: <see cref="Scheduler"/>
    /// from <see cref="LearningRate"/> (resolved: <see cref="WithLearningRateResolved"/>) over every step of its epochs
    /// (<see cref="EpochsFor"/>). <see cref="FineTuner"/> trains by it; a resumed run that recorded no settings is checked
    /// against the rates it logged.
    /// </summary>
    internal LearningRateSchedule ScheduleFor(int trainingExamples)
    {
        int stepsPerEpoch = StepsPerEpoch(trainingExamples);
        return LearningRateSchedule.Create(Scheduler, LearningRate!.Value, (long)stepsPerEpoch * EpochsFor(stepsPerEpoch), WarmupRatio);
    }

    /// <summary>The evaluations averaged when judging a validation set of <paramref name="validationCount"/> examples.</summary>
    public int SmoothingWindowFor(int validationCount) => validationCount < SmallValidationSet ? SmoothingWindow : 1;

    /// <summary>Optimizer steps between progress reports.</summary>
    public int LogEverySteps { get; init; } = 1;

    /// <summary>Checks every value; the first bad one is an <see cref="InvalidOptionException"/> naming its property.</summary>
    public void Validate()
    {
        Require(Epochs >= 1, nameof(Epochs), Epochs, "must be at least 1");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "must be at least 1");
        Require(GradientAccumulation >= 1, nameof(GradientAccumulation), GradientAccumulation, "must be at least 1");
        Require(LearningRate is null or (> 0 and < 1), nameof(LearningRate), LearningRate!, "must be above 0 and below 1");
        Require(MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "must be 0 (off) or a positive finite number");
        Require(EvaluateEverySteps >= 0, nameof(EvaluateEverySteps), EvaluateEverySteps, "must be 0 or positive");
        Require(LogEverySteps >= 1, nameof(LogEverySteps), LogEverySteps, "must be at least 1");
        Require(IsCheckpointInterval(CheckpointInterval), nameof(CheckpointInterval), CheckpointInterval, CheckpointIntervalProblem);
        Require(WarmupRatio is >= 0 and <= 1, nameof(WarmupRatio), WarmupRatio, "must be between 0 and 1");
        Require(Enum.IsDefined(Scheduler), nameof(Scheduler), Scheduler, "expected linear, cosine or constant");
        Require(Enum.IsDefined(Metric), nameof(Metric), Metric, "expected accuracy, macro_f1 or loss");
        Require(Enum.IsDefined(Keep), nameof(Keep), Keep, "expected best or last");
        Require(SmoothingWindow >= 1, nameof(SmoothingWindow), SmoothingWindow, "must be at least 1 (1: each evaluation alone)");
        Require(MinimumSteps >= 0, nameof(MinimumSteps), MinimumSteps, "must be 0 (off) or more");
        Require(MinimumValidationToSelect >= 0, nameof(MinimumValidationToSelect), MinimumValidationToSelect, "must be 0 (always choose) or more");
        Require(Patience >= 0, nameof(Patience), Patience, "must be 0 (off) or more");
        // As the fine-tuning API takes it (OpenAI's seed is 0 to 2^31-1), so a job and a train command share seeds.
        Require(Seed >= 0, nameof(Seed), Seed, "must be 0 or more");
    }

    /// <summary>Whether <paramref name="interval"/> is a <see cref="CheckpointInterval"/>: 0 or more, or infinite.</summary>
    internal static bool IsCheckpointInterval(TimeSpan interval) => interval >= TimeSpan.Zero || interval == Timeout.InfiniteTimeSpan;

    /// <summary>What a value refused by <see cref="IsCheckpointInterval"/> must be.</summary>
    internal const string CheckpointIntervalProblem = "must be 0 (every step), positive, or Timeout.InfiniteTimeSpan (epoch ends only)";

    private static void Require(bool condition, string property, object value, string problem)
    {
        if (!condition) throw new InvalidOptionException(InvalidOptionException.Name<FineTuningOptions>(property), value, problem);
    }
}
