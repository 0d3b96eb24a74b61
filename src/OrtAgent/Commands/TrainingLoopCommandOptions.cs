using System.CommandLine;
using OrtAgent.Cli;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Commands;

/// <summary>
/// The training-loop flags of every command that runs <see cref="FineTuner"/> (<c>--epochs</c>, <c>--lr</c>, <c>--seed</c>…),
/// declared once with <see cref="FineTuningOptions"/>' defaults and read back into one.
/// </summary>
internal sealed class TrainingLoopCommandOptions
{
    private static readonly FineTuningOptions Defaults = new();

    // Every loop setting but --lr has a default, which a resumed run does not take: it keeps the settings it began with
    // (RecordedSettings; ResumedRunCheck.KeepFineTuning), so each is a ResumeKeptOption whose help says both.
    public ResumeKeptOption<int> Epochs { get; } = new("--epochs", "Passes over the training data.", Defaults.Epochs);
    public ResumeKeptOption<int> MinSteps { get; } = new("--min-steps", DescribeMinSteps("the epochs"), Defaults.MinimumSteps);
    public ResumeKeptOption<int> EvalWindow { get; } = new("--eval-window",
        "Validation sets under 100 examples: early stopping and the best model go by the mean of this many last evaluations (1: each alone).",
        Defaults.SmoothingWindow);
    public ResumeKeptOption<int> MinValidation { get; } = new("--min-validation",
        "Validation sets smaller than this do not choose the model or stop early: all steps are taken and the last model is kept (0: always choose).",
        Defaults.MinimumValidationToSelect);
    public ResumeKeptOption<int> BatchSize { get; } = new("--batch-size", "Examples per micro-batch.", Defaults.BatchSize);
    public ResumeKeptOption<int> GradAccum { get; } = new("--grad-accum", "Micro-batches per optimizer step.", Defaults.GradientAccumulation);
    // No default at all: left out, the rate is unset and the run's own default applies (Read), which depends on what it
    // trains, so the help says what that is (DescribeLearningRate).
    public Option<double> LearningRate { get; } = new("--lr") { Description = DescribeLearningRate() };
    public ChoiceOption<LearningRateScheduleKind> Scheduler { get; } = new("--scheduler", "linear, cosine or constant.", Defaults.Scheduler, LearningRateSchedule.NameOf, keptOnResume: true);
    public ResumeKeptOption<double> Warmup { get; } = new("--warmup-ratio", "Fraction of all optimizer steps, 0 to 1, over which the rate warms up from 0.", Defaults.WarmupRatio);
    public ResumeKeptOption<double> MaxGradNorm { get; } = new("--max-grad-norm", "Clip the global gradient norm; 0 turns clipping off.", Defaults.MaxGradNorm);
    public ResumeKeptOption<int> Patience { get; } = new("--patience", "Evaluations without improvement before stopping; 0 never stops early.", Defaults.Patience);
    public ChoiceOption<ValidationMetric> Metric { get; }
    public ChoiceOption<ModelToKeep> Keep { get; } = new("--keep",
        "best or last: export the best evaluation's model (early stopping on), or the last step's (every step taken; validation only reported).",
        Defaults.Keep, ModelToKeepNames.Of, keptOnResume: true);
    public ResumeKeptOption<int> EvalSteps { get; } = new("--eval-steps", "Also evaluate every N optimizer steps (0: once per epoch).", Defaults.EvaluateEverySteps);
    public ResumeKeptOption<int> Seed { get; } = new("--seed", "Seeds initialisation, splitting, shuffling and dropout.", Defaults.Seed);

    /// <param name="metricAlsoCompares">
    /// What else the command's runs compare by <c>--metric</c> besides early stopping and the best model (train's
    /// <c>--promote-to</c>: "promotion"); null for nothing, so that a command without it (distill) does not offer it.
    /// </param>
    public TrainingLoopCommandOptions(string? metricAlsoCompares = null)
    {
        Metric = new("--metric", $"accuracy, macro_f1 or loss: what early stopping{(metricAlsoCompares is null ? " and the best model" : $", the best model and {metricAlsoCompares}")} compare.",
            Defaults.Metric, ValidationMetricNames.Of, keptOnResume: true);
        // FineTuningOptions.Seed and ContrastiveOptions.Seed check it; the range words a number too large to read.
        Seed.Option.Takes(0, int.MaxValue);
    }

    /// <summary>
    /// <c>--lr</c>'s help: what the run trains at when it is left out, <paramref name="methodDefaults"/> (a command's other
    /// defaults, such as train's LoRA and contrastive rates) beside <see cref="FineTuningOptions.DefaultLearningRate"/>.
    /// </summary>
    public static string DescribeLearningRate(string? methodDefaults = null) =>
        ResumedRunDefault.Describe("Peak learning rate (AdamW)",
            LearningRateText.Of(FineTuningOptions.DefaultLearningRate) + (methodDefaults is null ? "" : "; " + methodDefaults), "the rate the run began with");

    /// <summary>
    /// <c>--min-steps</c>' help, without its default: <paramref name="whatRises"/> is what a small data set's run raises to
    /// reach it, which depends on what the command trains (train's contrastive runs raise their pair rounds; distill has none).
    /// </summary>
    public static string DescribeMinSteps(string whatRises) =>
        $"Take at least this many optimizer steps: on small data {whatRises} rise to reach it, and early stopping waits for it (0: off).";

    /// <summary>The options in help order.</summary>
    public IEnumerable<Option> All => [Epochs.Option, MinSteps.Option, EvalWindow.Option, MinValidation.Option, BatchSize.Option, GradAccum.Option, LearningRate,
        Scheduler.Option, Warmup.Option, MaxGradNorm.Option, Patience.Option, Metric.Option, Keep.Option, EvalSteps.Option, Seed.Option];

    /// <summary>The loop's options as given (progress reported every step).</summary>
    public FineTuningOptions Read(ParseResult parseResult) => new()
    {
        Epochs = Epochs.Read(parseResult),
        MinimumSteps = MinSteps.Read(parseResult),
        SmoothingWindow = EvalWindow.Read(parseResult),
        MinimumValidationToSelect = MinValidation.Read(parseResult),
        BatchSize = BatchSize.Read(parseResult),
        GradientAccumulation = GradAccum.Read(parseResult),
        // Left out, it is unset: the run's default depends on what it trains (FineTuningOptions.WithLearningRateResolved).
        LearningRate = parseResult.WasGiven(LearningRate) ? parseResult.GetValue(LearningRate) : null,
        Scheduler = Scheduler.Read(parseResult),
        WarmupRatio = Warmup.Read(parseResult),
        MaxGradNorm = MaxGradNorm.Read(parseResult),
        Patience = Patience.Read(parseResult),
        Metric = Metric.Read(parseResult),
        Keep = Keep.Read(parseResult),
        EvaluateEverySteps = EvalSteps.Read(parseResult),
        Seed = Seed.Read(parseResult),
        LogEverySteps = 1,
    };
}
