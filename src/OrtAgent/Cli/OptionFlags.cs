using System.CommandLine;
using System.Text.RegularExpressions;
using OrtAgent.Commands;
using OrtAgent.Data;
using OrtAgent.Distillation;
using OrtAgent.FineTuning;
using OrtAgent.FineTuningService;
using OrtAgent.Mcp;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Serving;
using OrtAgent.Serving.Tls;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Optimizers;
using OrtAgent.Training.Schedules;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Cli;

/// <summary>
/// The one table from the libraries' option properties (<c>FineTuningOptions.Epochs</c>) to the command-line flags that
/// set them (<c>--epochs</c>), and the one place that turns the libraries' words into the command line's. Libraries name
/// their own properties in <see cref="InvalidOptionException"/> and in their messages, and their own calls as remedies;
/// the CLI's lines name the flag the user typed, with the value spelled as the flag takes it, and the command to run.
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
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.Loss))] = "--contrastive-loss",
        [Name<ContrastiveOptions>(nameof(ContrastiveOptions.Temperature))] = "--temperature",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.MaxLength))] = "--max-length",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.DropoutRatio))] = "--dropout",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.EncoderDropoutRatio))] = "--encoder-dropout",
        [Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.EncoderDropoutRatio))] = "--encoder-dropout",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.LabelSmoothing))] = "--label-smoothing",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.ClassWeights))] = "--class-weights",
        [Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.ClassWeights))] = "--class-weights",
        [Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.FreezeLayers))] = "--freeze-layers",
        [Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.NumLabels))] = "--num-labels",
        [Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.Loss))] = "--loss",
        [Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.Seed))] = "--seed",
        [Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.FreezePatterns))] = "--freeze",
        // Not an option: the library's way to write an adapter, which the command line does with export.
        [$"{nameof(PeftAdapter)}.{nameof(PeftAdapter.Write)}"] = "export --adapter-only",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.Pooling))] = "--pooling",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.WeightDecay))] = "--weight-decay",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.FreezeLayers))] = "--freeze-layers",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.Freeze))] = "--freeze",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.BaseModel))] = "--base",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.Method))] = "--method",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.DataPath))] = "--data",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.InitFrom))] = "--init-from",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.OutputDirectory))] = "--output",
        [Name<TextClassifierTrainingOptions>(nameof(TextClassifierTrainingOptions.InitFrom))] = "--init-from",
        [Name<TrainJobOptions>(nameof(TrainJobOptions.ValidationPath))] = "--validation",
        [Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.TextColumn))] = "--text-column",
        [Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.LabelColumn))] = "--label-column",
        [Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.GroupColumn))] = "--by",
        [Name<UnlabeledTextFileOptions>(nameof(UnlabeledTextFileOptions.TextColumn))] = "--text-column",
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
        [Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.Lora))] = "--lora-rank",
        [Name<OrtSessionSettings>(nameof(OrtSessionSettings.Device))] = "--device",
        [Name<OrtSessionSettings>(nameof(OrtSessionSettings.IntraOpThreads))] = "--threads",
        [Name<TextClassifierOptions>(nameof(TextClassifierOptions.MaxBatchSize))] = "--batch-size",
        [Name<ExplainOptions>(nameof(ExplainOptions.Steps))] = "--steps",
        [Name<ExplainOptions>(nameof(ExplainOptions.Baseline))] = "--baseline",
        [Name<DistillationOptions>(nameof(DistillationOptions.Layers))] = "--layers",
        [Name<DistillationOptions>(nameof(DistillationOptions.Temperature))] = "--temperature",
        [Name<DistillationOptions>(nameof(DistillationOptions.Alpha))] = "--alpha",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.Teacher))] = "--teacher",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.MaxLength))] = "--max-length",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.DropoutRatio))] = "--dropout",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.WeightDecay))] = "--weight-decay",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.DataPath))] = "--data",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.ValidationPath))] = "--validation",
        [Name<DistillJobOptions>(nameof(DistillJobOptions.OutputDirectory))] = "--output",
        [Name<ServingOptions>(nameof(ServingOptions.ModelDirectory))] = "--model",
        [Name<ServingOptions>(nameof(ServingOptions.Urls))] = "--urls",
        [Name<ServingOptions>(nameof(ServingOptions.MaxBatch))] = "--max-batch",
        [Name<ServingOptions>(nameof(ServingOptions.MaxWaitMs))] = "--max-wait-ms",
        [Name<ServingOptions>(nameof(ServingOptions.ApiKeys))] = "--api-key",
        [Name<ServingOptions>(nameof(ServingOptions.InferenceApiKeys))] = "--inference-api-key",
        [Name<ServingOptions>(nameof(ServingOptions.AllowedOrigins))] = "--allow-origin",
        [Name<ServingOptions>(nameof(ServingOptions.MaxInputsPerRequest))] = "--max-inputs",
        [Name<ServingOptions>(nameof(ServingOptions.MaxQueuedTexts))] = "--max-queue",
        [Name<ServingOptions>(nameof(ServingOptions.MaxCharsPerInput))] = "--max-chars",
        [Name<ServingOptions>(nameof(ServingOptions.MaxBodyBytes))] = "--max-body-bytes",
        [Name<ServingOptions>(nameof(ServingOptions.MaxConnections))] = "--max-connections",
        [Name<ServingOptions>(nameof(ServingOptions.Certificate))] = "--tls-certificate",
        [Name<ServerCertificateOptions>(nameof(ServerCertificateOptions.CertificateFile))] = "--tls-certificate",
        [Name<ServerCertificateOptions>(nameof(ServerCertificateOptions.KeyFile))] = "--tls-key",
        [Name<ServerCertificateOptions>(nameof(ServerCertificateOptions.PasswordFile))] = "--tls-key-password-file",
        [Name<ToolLimits>(nameof(ToolLimits.MaxInputs))] = "--max-inputs",
        [Name<ToolLimits>(nameof(ToolLimits.MaxChars))] = "--max-chars",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.StoreDirectory))] = "--store",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.MaxConcurrentJobs))] = "--max-concurrent-jobs",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.MaxQueuedJobs))] = "--max-queued-jobs",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.MetricsEverySteps))] = "--metrics-every",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.MaxLoadedModels))] = "--max-loaded-models",
        [Name<FineTuningServiceOptions>(nameof(FineTuningServiceOptions.MaxStoreBytes))] = "--max-store-bytes",
    };

    // A library option's name in running text (FineTuningOptions.Epochs), longest first so no name stops inside a longer one.
    private static readonly Regex OptionNames = new(
        @"\b(?:" + string.Join("|", Flags.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)) + @")\b", RegexOptions.CultureInvariant);

    /// <summary>
    /// The message to show for <paramref name="exception"/>: an option with a flag becomes <c>--flag value: problem</c> (other options the problem names, as their flags), a
    /// column not found by its usual names says which flag names it, a model without a usable <c>explain.onnx</c> names
    /// the command that adds one, a run's artifacts given as a model the command that exports one, a model replaced (or removed) since a server loaded it names the servers' ways to load it again; anything else keeps the library's message, with the options it names as their flags.
    /// </summary>
    public static string Describe(UserInputException exception) => exception switch
    {
        // A run's artifacts given as a model option: the command that exports one, as predict says it for the same folder.
        InvalidOptionException { InnerException: TrainingArtifactsNotAModelException artifacts } invalid when Flags.TryGetValue(invalid.Option, out var flag) =>
            $"{flag} {Spell(invalid.Value)}: {artifacts.Reason}; {ExportCommand(artifacts)}",
        InvalidOptionException invalid when Flags.TryGetValue(invalid.Option, out var flag) => $"{flag} {Spell(invalid.Value)}: {InText(invalid.Problem)}",
        MissingColumnException missing => $"{missing.Message}; name it with {(missing.Role == ColumnRole.Text ? "--text-column" : "--label-column")} NAME",
        // An export that left the graph out is named by the library's option; here, by the flag that leaves it out.
        ExplainGraphUnavailableException explain => $"{explain.Problem.Replace(IntegratedGradientsSession.ExportedWithoutGraph,
            "the model was exported without explanations, by export --no-explain", StringComparison.Ordinal)}; {Remedy(explain.Remedy, explain.ModelDirectory)}",
        LoraAdapterNotAModelException adapter =>
            $"{adapter.Problem}; export the merged model from the run's checkpoint (ortagent export --checkpoint artifacts/NAME --output MODEL, without --adapter-only), or train one from it with: ortagent train --init-from {adapter.AdapterDirectory}",
        TrainingArtifactsNotAModelException artifacts => $"{artifacts.Problem}; {ExportCommand(artifacts)}",
        // Only a process that keeps a model loaded meets it: the servers, each loading models again its own way.
        ModelReplacedException { Removed: true } removed =>
            $"{removed.Problem}; put the model back, then reload it (ortagent serve: POST /admin/reload; ortagent mcp, serve --fine-tuning: restart them)",
        ModelReplacedException replaced =>
            $"{replaced.Problem}; reload the model to use the new one (ortagent serve: POST /admin/reload; ortagent mcp, serve --fine-tuning: restart them)",
        _ => InText(exception.Message),
    };

    /// <summary>
    /// <paramref name="text"/> (a library's message, a trainer's remark) with every library option it names that has a
    /// flag written as the flag: <c>ContrastiveOptions.HeadC fixes C</c> becomes <c>--head-c fixes C</c>.
    /// </summary>
    public static string InText(string text) => OptionNames.Replace(text, match => Flags[match.Value]);

    private static string ExportCommand(TrainingArtifactsNotAModelException artifacts) =>
        $"export a model from it with: ortagent export --checkpoint {artifacts.ArtifactsDirectory} --output MODEL";

    // The command line's way to each remedy the runtime names in the libraries' terms.
    private static string Remedy(ExplainGraphRemedy remedy, string modelDirectory) => remedy switch
    {
        ExplainGraphRemedy.Add => $"add it with: ortagent export --explain --model {modelDirectory}",
        ExplainGraphRemedy.Rebuild => $"rebuild it with: ortagent export --explain --model {modelDirectory}",
        ExplainGraphRemedy.ExportAgainFromCheckpoint =>
            "re-export it from its checkpoint (ortagent export --checkpoint artifacts/NAME --quantize int8 --output DIR), which writes explain.onnx from them",
        _ => ExplainGraphUnavailableException.Say(remedy, modelDirectory),
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
        ContrastiveLoss loss => ContrastiveOptions.ShortName(loss),
        ExecutionDevice device => DeviceCommandOptions.NameOf(device),
        ExplainBaseline baseline => baseline.ToString().ToLowerInvariant(),
        LoraTargets targets => $"'{string.Join(",", LoraTargetNames.Of(targets))}'",
        // Real numbers as the flag was typed (--lr 5e-5), which Display writes.
        _ => InvalidOptionException.Display(value),
    };

    private static string Name<TOptions>(string property) => InvalidOptionException.Name<TOptions>(property);
}
