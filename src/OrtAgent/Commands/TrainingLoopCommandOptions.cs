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

    public Option<int> Epochs { get; } = new("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => Defaults.Epochs };
    public Option<int> MinSteps { get; } = new("--min-steps")
    {
        Description = "Take at least this many optimizer steps: on small data the epochs (contrastive: the pair rounds) rise to reach it, and early stopping waits for it (0: off).",
        DefaultValueFactory = _ => Defaults.MinimumSteps,
    };
    public Option<int> EvalWindow { get; } = new("--eval-window")
    {
        Description = "Validation sets under 100 examples: early stopping and the best model go by the mean of this many last evaluations (1: each alone).",
        DefaultValueFactory = _ => Defaults.SmoothingWindow,
    };
    public Option<int> MinValidation { get; } = new("--min-validation")
    {
        Description = "Validation sets smaller than this do not choose the model or stop early: all steps are taken and the last model is kept (0: always choose).",
        DefaultValueFactory = _ => Defaults.MinimumValidationToSelect,
    };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Examples per micro-batch.", DefaultValueFactory = _ => Defaults.BatchSize };
    public Option<int> GradAccum { get; } = new("--grad-accum") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => 1 };
    // No DefaultValueFactory: left out, the rate is unset and the run's own default applies (Read), so the help says what
    // that is rather than a "[default: …]" a resumed run would belie.
    public Option<double> LearningRate { get; } = new("--lr") { Description = DescribeLearningRate() };
    public ChoiceOption<LearningRateScheduleKind> Scheduler { get; } = new("--scheduler", "linear, cosine or constant.", Defaults.Scheduler, LearningRateSchedule.NameOf);
    public Option<double> Warmup { get; } = new("--warmup-ratio") { Description = "Fraction of steps warming the rate up from 0.", DefaultValueFactory = _ => Defaults.WarmupRatio };
    public Option<double> MaxGradNorm { get; } = new("--max-grad-norm") { Description = "Clip the global gradient norm; 0 turns clipping off.", DefaultValueFactory = _ => Defaults.MaxGradNorm };
    public Option<int> Patience { get; } = new("--patience") { Description = "Evaluations without improvement before stopping; 0 never stops early.", DefaultValueFactory = _ => Defaults.Patience };
    public ChoiceOption<ValidationMetric> Metric { get; } = new("--metric", "accuracy, macro_f1 or loss: what early stopping, the best model and promotion compare.",
        Defaults.Metric, ValidationMetricNames.Of);
    public ChoiceOption<ModelToKeep> Keep { get; } = new("--keep",
        "best or last: export the best evaluation's model (early stopping on), or the last step's (every step taken; validation only reported).",
        Defaults.Keep, ModelToKeepNames.Of);
    public Option<int> EvalSteps { get; } = new("--eval-steps") { Description = "Also evaluate every N optimizer steps (0: once per epoch).", DefaultValueFactory = _ => 0 };
    // FineTuningOptions.Seed and ContrastiveOptions.Seed check it; the range words a number too large to read.
    public Option<int> Seed { get; } = new Option<int>("--seed") { Description = "Seeds initialisation, splitting, shuffling and dropout.", DefaultValueFactory = _ => Defaults.Seed }
        .Takes(0, int.MaxValue);

    /// <summary>
    /// <c>--lr</c>'s help: what the run trains at when it is left out, <paramref name="methodDefaults"/> (a command's other
    /// defaults, such as train's LoRA and contrastive rates) beside <see cref="FineTuningOptions.DefaultLearningRate"/>.
    /// </summary>
    public static string DescribeLearningRate(string? methodDefaults = null) =>
        $"Peak learning rate (AdamW) [default: {LearningRateText.Of(FineTuningOptions.DefaultLearningRate)}{(methodDefaults is null ? "" : "; " + methodDefaults)}; with --resume, the rate the run began with].";

    /// <summary>The options in help order.</summary>
    public IEnumerable<Option> All => [Epochs, MinSteps, EvalWindow, MinValidation, BatchSize, GradAccum, LearningRate, Scheduler.Option, Warmup, MaxGradNorm, Patience, Metric.Option, Keep.Option, EvalSteps, Seed];

    /// <summary>The loop's options as given (progress reported every step).</summary>
    public FineTuningOptions Read(ParseResult parseResult) => new()
    {
        Epochs = parseResult.GetValue(Epochs),
        MinimumSteps = parseResult.GetValue(MinSteps),
        SmoothingWindow = parseResult.GetValue(EvalWindow),
        MinimumValidationToSelect = parseResult.GetValue(MinValidation),
        BatchSize = parseResult.GetValue(BatchSize),
        GradientAccumulation = parseResult.GetValue(GradAccum),
        // Left out, it is unset: the run's default depends on what it trains (FineTuningOptions.WithLearningRateResolved).
        LearningRate = parseResult.WasGiven(LearningRate) ? parseResult.GetValue(LearningRate) : null,
        Scheduler = Scheduler.Read(parseResult),
        WarmupRatio = parseResult.GetValue(Warmup),
        MaxGradNorm = parseResult.GetValue(MaxGradNorm),
        Patience = parseResult.GetValue(Patience),
        Metric = Metric.Read(parseResult),
        Keep = Keep.Read(parseResult),
        EvaluateEverySteps = parseResult.GetValue(EvalSteps),
        Seed = parseResult.GetValue(Seed),
        LogEverySteps = 1,
    };
}
