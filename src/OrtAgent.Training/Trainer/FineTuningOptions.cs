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

    /// <summary><c>linear</c>, <c>cosine</c> or <c>constant</c>.</summary>
    public string Scheduler { get; init; } = "linear";

    public double WarmupRatio { get; init; } = 0.1;

    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Evaluations without improvement before stopping; 0 never stops early.</summary>
    public int Patience { get; init; } = 2;

    /// <summary><c>accuracy</c>, <c>macro_f1</c> or <c>loss</c>.</summary>
    public string Metric { get; init; } = "accuracy";

    public int Seed { get; init; } = 42;

    /// <summary>Evaluate every this many optimizer steps as well as at each epoch end; 0 evaluates per epoch only.</summary>
    public int EvaluateEverySteps { get; init; }

    /// <summary>
    /// The least number of optimizer steps a run takes (<c>--min-steps</c>): on data too small for <see cref="Epochs"/>
    /// to reach it, the epoch count rises to <c>ceil(MinimumSteps / steps per epoch)</c>, and early stopping does not end
    /// the run before it. 16 texts at batch 16 are one step an epoch: three epochs would be three steps. 0 turns it off.
    /// </summary>
    public int MinimumSteps { get; init; } = DefaultMinimumSteps;

    /// <summary>The default of <see cref="MinimumSteps"/>.</summary>
    public const int DefaultMinimumSteps = 100;

    /// <summary>
    /// Validation sets smaller than this are judged on the mean of the last <see cref="SmoothingWindow"/> evaluations
    /// (for early stopping and the best model): on 30 texts one text is 3.3 points of accuracy, and the single best
    /// evaluation among many is mostly the luckiest.
    /// </summary>
    public const int SmallValidationSet = 100;

    /// <summary>Evaluations averaged for a small validation set.</summary>
    public const int SmoothingWindow = 3;

    /// <summary>The epochs a run over <paramref name="stepsPerEpoch"/> optimizer steps an epoch takes: <see cref="Epochs"/>, or more to reach <see cref="MinimumSteps"/>.</summary>
    public int EpochsFor(int stepsPerEpoch) =>
        Math.Max(Epochs, MinimumSteps == 0 ? 0 : (MinimumSteps + stepsPerEpoch - 1) / Math.Max(1, stepsPerEpoch));

    /// <summary>Optimizer steps between progress reports.</summary>
    public int LogEverySteps { get; init; } = 1;

    /// <summary>Checks every value; a bad one is a <see cref="UserInputException"/> naming the command-line option.</summary>
    public void Validate()
    {
        Require(Epochs >= 1, $"--epochs {Epochs}: must be at least 1");
        Require(BatchSize >= 1, $"--batch-size {BatchSize}: must be at least 1");
        Require(GradientAccumulation >= 1, $"--grad-accum {GradientAccumulation}: must be at least 1");
        Require(LearningRate > 0 && LearningRate < 1, $"--lr {LearningRate}: must be between 0 and 1");
        Require(MaxGradNorm >= 0, $"--max-grad-norm {MaxGradNorm}: must be 0 (off) or positive");
        Require(EvaluateEverySteps >= 0, $"--eval-steps {EvaluateEverySteps}: must be 0 or positive");
        Require(WarmupRatio is >= 0 and <= 1, $"--warmup-ratio {WarmupRatio}: must be between 0 and 1");
        Require(Scheduler is "linear" or "cosine" or "constant", $"--scheduler '{Scheduler}': expected linear, cosine or constant");
        Require(Metric is "accuracy" or "macro_f1" or "loss", $"--metric '{Metric}': expected accuracy, macro_f1 or loss");
        Require(MinimumSteps >= 0, $"--min-steps {MinimumSteps}: must be 0 (off) or more");
        Require(Patience >= 0, $"--patience {Patience}: must be 0 (off) or more");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new UserInputException(message);
    }
}
