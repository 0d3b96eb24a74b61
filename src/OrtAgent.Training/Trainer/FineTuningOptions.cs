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
        Require(Patience >= 0, $"--patience {Patience}: must be 0 (off) or more");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new UserInputException(message);
    }
}
