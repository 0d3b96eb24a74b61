using System.CommandLine;
using OrtAgent.Commands;
using OrtAgent.Data;
using OrtAgent.Distillation;
using OrtAgent.FineTuning;
using OrtAgent.FineTuningService;
using OrtAgent.Mcp;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Contrastive;
using OrtAgent.Serving;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Cli;

/// <summary>
/// The one table from the libraries' option properties (<c>FineTuningOptions.Epochs</c>) to the command-line flags that
/// set them (<c>--epochs</c>). Libraries name their own properties in <see cref="InvalidOptionException"/>; the CLI's
/// error line names the flag the user typed, with the value spelled as the flag takes it.
/// </summary>
internal static class OptionFlags
{
    private static readonly Dictionary<string, string> Flags = new()
    {
        [Name<FineTuningOptions>(nameof(FineTuningOptions.Epochs))] = "--epochs",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.MinimumSteps))] = "--min-steps",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.SmoothingWindow))] = "--eval-window",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.MinimumValidationToSelect))] = "--min-validation",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.BatchSize))] = "--batch-size",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.GradientAccumulation))] = "--grad-accum",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.LearningRate))] = "--lr",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.Scheduler))] = "--scheduler",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.WarmupRatio))] = "--warmup-ratio",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.MaxGradNorm))] = "--max-grad-norm",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.Patience))] = "--patience",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.Metric))] = "--metric",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.Keep))] = "--keep",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.Seed))] = "--seed",
        [Name<FineTuningOptions>(nameof(FineTuningOptions.EvaluateEverySteps))] = "--eval-steps",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.PairRounds))] = "--pair-rounds",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.Epochs))] = "--contrastive-epochs",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.BatchSize))] = "--batch-size",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.LearningRate))] = "--lr",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.WarmupRatio))] = "--warmup-ratio",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.MaxGradNorm))] = "--max-grad-norm",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.Seed))] = "--seed",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.HeadC))] = "--head-c",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.MinimumValidationToSelect))] = "--min-validation",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.MinimumSteps))] = "--min-steps",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.MaxLength))] = "--max-length",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.DropoutRatio))] = "--dropout",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.LabelSmoothing))] = "--label-smoothing",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.ClassWeights))] = "--class-weights",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.Pooling))] = "--pooling",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.WeightDecay))] = "--weight-decay",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.FreezeLayers))] = "--freeze-layers",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.Freeze))] = "--freeze",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.BaseModel))] = "--base",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.Method))] = "--method",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.DataPath))] = "--data",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.InitFrom))] = "--init-from",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.ValidationPath))] = "--validation",
        [Name<ClassifierHeadOptions>(nameof(ClassifierHeadOptions.Pooling))] = "--pooling",
        [Name<ClassifierHeadOptions>(nameof(ClassifierHeadOptions.DropoutRatio))] = "--dropout",
        [Name<AdamWOptions>(nameof(AdamWOptions.WeightDecay))] = "--weight-decay",
        [Name<LossOptions>(nameof(LossOptions.LabelSmoothing))] = "--label-smoothing",
        [Name<LossOptions>(nameof(LossOptions.Temperature))] = "--temperature",
        [Name<LossOptions>(nameof(LossOptions.DistillationWeight))] = "--alpha",
        [Name<LoraOptions>(nameof(LoraOptions.Rank))] = "--lora-rank",
        [Name<LoraOptions>(nameof(LoraOptions.Alpha))] = "--lora-alpha",
        [Name<LoraOptions>(nameof(LoraOptions.Dropout))] = "--lora-dropout",
        [Name<LoraOptions>(nameof(LoraOptions.Targets))] = "--lora-targets",
        [Name<OrtSessionSettings>(nameof(OrtSessionSettings.Device))] = "--device",
        [Name<TextClassifierOptions>(nameof(TextClassifierOptions.MaxBatchSize))] = "--batch-size",
        [Name<DistillationOptions>(nameof(DistillationOptions.Layers))] = "--layers",
        [Name<DistillationOptions>(nameof(DistillationOptions.Temperature))] = "--temperature",
        [Name<DistillationOptions>(nameof(DistillationOptions.Alpha))] = "--alpha",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.Teacher))] = "--teacher",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.MaxLength))] = "--max-length",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.DropoutRatio))] = "--dropout",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.WeightDecay))] = "--weight-decay",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.DataPath))] = "--data",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.ValidationPath))] = "--validation",
        [Name<ServingOptions>(nameof(ServingOptions.ModelDirectory))] = "--model",
        [Name<ServingOptions>(nameof(ServingOptions.Urls))] = "--urls",
        [Name<ServingOptions>(nameof(ServingOptions.MaxBatch))] = "--max-batch",
        [Name<ServingOptions>(nameof(ServingOptions.MaxWaitMs))] = "--max-wait-ms",
        [Name<ServingOptions>(nameof(ServingOptions.ApiKeys))] = "--api-key",
        [Name<ServingOptions>(nameof(ServingOptions.MaxInputsPerRequest))] = "--max-inputs",
        [Name<ServingOptions>(nameof(ServingOptions.MaxCharsPerInput))] = "--max-chars",
        [Name<ToolLimits>(nameof(ToolLimits.MaxInputs))] = "--max-inputs",
        [Name<ToolLimits>(nameof(ToolLimits.MaxChars))] = "--max-chars",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.StoreDirectory))] = "--store",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.MaxConcurrentJobs))] = "--max-concurrent-jobs",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.MaxQueuedJobs))] = "--max-queued-jobs",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.MetricsEverySteps))] = "--metrics-every",
    };

    /// <summary>
    /// The message to show for <paramref name="exception"/>: an option with a flag becomes <c>--flag value: problem</c>, a
    /// column not found by its usual names says which flag names it; anything else keeps the library's message.
    /// </summary>
    public static string Describe(UserInputException exception) => exception switch
    {
        InvalidOptionException invalid when Flags.TryGetValue(invalid.Option, out var flag) => $"{flag} {Spell(invalid.Value)}: {invalid.Problem}",
        MissingColumnException missing => $"{missing.Message}; name it with {(missing.Role == ColumnRole.Text ? "--text-column" : "--label-column")} NAME",
        _ => exception.Message,
    };

    /// <summary>
    /// The library properties (<c>FineTuningOptions.LearningRate</c>) whose flags were typed on this command line, even at
    /// their default value: what a resumed run compares with what it recorded, where "left out" and "asked for the
    /// default" differ.
    /// </summary>
    public static IReadOnlySet<string> GivenIn(ParseResult parseResult)
    {
        var options = parseResult.CommandResult.Command.Options;
        return Flags.Where(entry => options.FirstOrDefault(o => o.Name == entry.Value || o.Aliases.Contains(entry.Value)) is { } option && parseResult.WasGiven(option))
            .Select(entry => entry.Key).ToHashSet(StringComparer.Ordinal);
    }

    // Enum values are spelled as their flags take them, so the line shows what the user typed.
    internal static string Spell(object? value) => value switch
    {
        ModelToKeep keep => ModelToKeepNames.Of(keep),
        ValidationMetric metric => ValidationMetricNames.Of(metric),
        LearningRateScheduleKind kind => LearningRateSchedule.NameOf(kind),
        PoolingMode pooling => ClassifierHeadOptions.ShortName(pooling),
        ExecutionDevice device => DeviceCommandOptions.NameOf(device),
        LoraTargets targets => $"'{string.Join(",", LoraTargetNames.Of(targets))}'",
        _ => InvalidOptionException.Display(value),
    };

    private static string Name<TOptions>(string property) => InvalidOptionException.Name<TOptions>(property);
}
