using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Data;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Export;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// Host plumbing, internal (visible to the <c>ortagent</c> host): training a text classifier by a <see cref="TrainingMethod"/>, the steps around the session done one way for every
/// caller (<c>TextClassifierTrainer</c> and the command line's train job): the artifacts each method builds, the trainer
/// each runs, and what the export records of the result.
/// </summary>
internal static class ClassifierTraining
{
    /// <summary>
    /// <paramref name="options"/> for a run trained by <paramref name="method"/>: contrastive training builds the pair
    /// objective, which has no classification head, so head dropout, class weights and label smoothing are left out;
    /// standard fine-tuning builds the classification objective with them as given.
    /// </summary>
    /// <param name="options">The artifacts' options, as a standard run would build them.</param>
    /// <param name="method">The resolved method: <see cref="TrainingMethod.Standard"/> or <see cref="TrainingMethod.Contrastive"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="method"/> is <see cref="TrainingMethod.Auto"/> (resolve it first with <see cref="TrainingMethodChoice.Resolve"/>) or undefined.</exception>
    /// <param name="contrastive">Contrastive training's settings, whose stage-1 loss and temperature the pair objective is built with.</param>
    public static TrainingArtifactsOptions ArtifactsOptions(TrainingArtifactsOptions options, TrainingMethod method, ContrastiveOptions contrastive)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(contrastive);
        return RequireResolved(method) == TrainingMethod.Contrastive
            ? options with
            {
                Objective = TrainingObjective.PairSimilarity, DropoutRatio = 0f, EncoderDropoutRatio = 0f, ClassWeights = null, LabelSmoothing = 0f,
                ContrastiveLoss = contrastive.Loss, ContrastiveTemperature = contrastive.TemperatureOrDefault,
            }
            : options with { Objective = TrainingObjective.Classification };
    }

    /// <summary>
    /// Trains <paramref name="session"/> by <paramref name="method"/>: <see cref="FineTuner"/> for standard fine-tuning,
    /// <see cref="ContrastiveTrainer"/> for contrastive training, whose result then carries the head's validation
    /// <see cref="FineTuningOptions.Metric"/> (the head was chosen on accuracy) as its best metric.
    /// </summary>
    /// <param name="session">A session over artifacts built for <paramref name="method"/> (<see cref="ArtifactsOptions"/>).</param>
    /// <param name="method">The resolved method.</param>
    /// <param name="fineTuning">Standard fine-tuning's settings; a contrastive run reads its metric.</param>
    /// <param name="contrastive">Contrastive training's settings.</param>
    /// <param name="labels">Label names, in index order.</param>
    /// <param name="padId">The tokenizer's padding id.</param>
    /// <param name="observer">Receives steps, evaluations and messages.</param>
    /// <param name="settings">The session settings, with which contrastive training computes its embeddings.</param>
    /// <param name="training">The training set.</param>
    /// <param name="validation">The validation set.</param>
    /// <param name="resume">The trainer state to continue from, or null for a new run.</param>
    /// <param name="cancellationToken">Stops the run at the next step, after a checkpoint.</param>
    /// <returns>The run's result, and contrastive training's own (its pairs and head) when it trained so.</returns>
    /// <exception cref="UserInputException">As the trainer's constructor and <c>Run</c> say.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled; its checkpoint is written.</exception>
    public static (FineTuningResult Result, ContrastiveResult? Contrastive) Train(TrainingSession session, TrainingMethod method,
        FineTuningOptions fineTuning, ContrastiveOptions contrastive, IReadOnlyList<string> labels, int padId, ITrainingObserver observer,
        OrtSessionSettings settings, TokenizedDataset training, TokenizedDataset validation, TrainerState? resume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fineTuning);
        if (RequireResolved(method) == TrainingMethod.Contrastive)
        {
            var trainer = new ContrastiveTrainer(session, contrastive, labels, padId, observer, settings);
            var pairs = trainer.Run(training, validation, resume, cancellationToken);
            // Promotion and the caller compare the metric chosen; the head was picked on accuracy.
            return (pairs.Run with { BestMetric = pairs.Run.BestReport!.Metric(fineTuning.Metric) }, pairs);
        }
        var tuner = new FineTuner(session, fineTuning, labels, padId, observer);
        return (tuner.Run(training, validation, resume, cancellationToken), null);
    }

    /// <summary>
    /// The validation metrics an export records for <paramref name="result"/>: every metric of its best report, or the
    /// best value of <paramref name="metric"/> alone when the run kept no report (a finished run exported again).
    /// </summary>
    public static Dictionary<string, double> RecordedMetrics(FineTuningResult result, ValidationMetric metric)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.BestReport?.Metrics().ToDictionary()
            ?? (result.BestMetric is double best ? new() { [ValidationMetricNames.Of(metric)] = best } : []);
    }

    /// <summary>
    /// The export of a trained classifier: the tokenizer settings it trained with, its base model's name, the metrics
    /// (<see cref="RecordedMetrics"/>), and optionally a model card and more files.
    /// </summary>
    /// <param name="metrics">The validation metrics to record, from <see cref="RecordedMetrics"/>.</param>
    /// <param name="maxLength">The maximum length the run tokenized to.</param>
    /// <param name="lowerCase">Whether the run lower-cased its texts.</param>
    /// <param name="baseModelName">The base model's short name.</param>
    /// <param name="modelCard">The model card's Markdown, or null for one written from the metadata.</param>
    /// <param name="cardSections">The sections that card from the metadata adds (<see cref="ClassifierTrainingCard.Sections"/>); null for none.</param>
    /// <param name="extraFiles">More files copied into the export, by file name → source path; null for none.</param>
    /// <param name="quantizeInt8">Whether the export stores int8 weights (<see cref="Export.ExportOptions.QuantizeInt8"/>).</param>
    public static ExportOptions ExportOptions(IReadOnlyDictionary<string, double> metrics, int maxLength, bool lowerCase, string baseModelName,
        string? modelCard = null, IReadOnlyDictionary<string, string>? extraFiles = null, bool quantizeInt8 = false,
        IReadOnlyDictionary<string, string>? cardSections = null) => new()
    {
        QuantizeInt8 = quantizeInt8,
        MaxLength = maxLength,
        LowerCase = lowerCase,
        BaseModelName = baseModelName,
        Metrics = metrics,
        ModelCard = modelCard,
        CardSections = cardSections ?? new Dictionary<string, string>(),
        ExtraFiles = extraFiles ?? new Dictionary<string, string>(),
    };

    /// <summary>
    /// The <see cref="FineTuningOptions"/> a contrastive run reads: <see cref="FineTuningOptions.Seed"/>, which seeds its
    /// artifacts (and, in <c>TextClassifierTrainer</c>, picks the validation part it holds out, and its pairs where
    /// <see cref="ContrastiveOptions.Seed"/> is left unset), and
    /// <see cref="FineTuningOptions.Metric"/>, the figure it reports and a promotion compares. Every other loop setting
    /// it takes from <see cref="ContrastiveOptions"/>, where the ones it has (epochs, batch size, learning rate, warmup,
    /// gradient clip, minimum steps, minimum validation size, logging) go by the same names.
    /// </summary>
    public static readonly IReadOnlySet<string> FineTuningReadByContrastive =
        new HashSet<string>(StringComparer.Ordinal) { nameof(FineTuningOptions.Seed), nameof(FineTuningOptions.Metric) };

    /// <summary>
    /// The contrastive setting of the same name as a <see cref="FineTuningOptions"/> one (<c>ContrastiveOptions.Epochs</c>
    /// for <c>FineTuningOptions.Epochs</c>), or null where there is none: what <see cref="RefuseStandardOnly"/> names in
    /// a refused setting's stead.
    /// </summary>
    /// <param name="option">A setting as <c>Type.Property</c>.</param>
    private static string? ContrastiveCounterpart(string option)
    {
        ArgumentNullException.ThrowIfNull(option);
        string prefix = InvalidOptionException.Name<FineTuningOptions>("");
        return option.StartsWith(prefix, StringComparison.Ordinal) && typeof(ContrastiveOptions).GetProperty(option[prefix.Length..]) is { } counterpart
            ? InvalidOptionException.Name<ContrastiveOptions>(counterpart.Name)
            : null;
    }

    /// <summary>
    /// Refuses the first setting that only standard fine-tuning reads (its loss, pooling, adapters…) given to a run that
    /// trains contrastively, which trains pairs and then fits its head on the frozen embeddings: dropped silently, it
    /// would be a mistake unseen. Said in the caller's words for the method setting (the command line's
    /// <c>--method contrastive</c>, the facade's <c>Method = Contrastive</c>).
    /// </summary>
    /// <param name="given">
    /// Each setting as <c>Type.Property</c>, its value, and whether it was given, as the caller can tell: a command line
    /// knows the flags typed, even at their defaults; options in code know only the values, so there a value other than
    /// the default counts as given.
    /// </param>
    /// <param name="method">The run's resolved method; nothing is refused unless it is contrastive.</param>
    /// <param name="asked">The method asked for: contrastive, or auto, which chose it.</param>
    /// <param name="resumedDirectory">The artifacts of a resumed run, whose method was fixed when it began; null for a new run.</param>
    /// <param name="methodSetting">How the caller spells the method setting with a value: <c>--method standard</c>.</param>
    /// <exception cref="InvalidOptionException">A setting was given.</exception>
    public static void RefuseStandardOnly(IEnumerable<(string Option, object Value, bool Given)> given, TrainingMethodChoice method,
        TrainingMethod asked, string? resumedDirectory, Func<TrainingMethod, string> methodSetting)
    {
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(method);
        if (method.Method != TrainingMethod.Contrastive || given.FirstOrDefault(g => g.Given) is not ({ } option, { } value, _)) return;
        string instead = ContrastiveCounterpart(option) is { } counterpart ? $"; contrastive training reads {counterpart} instead" : "";
        throw new InvalidOptionException(option, value, (resumedDirectory is not null
            ? $"applies to standard fine-tuning; the run in {resumedDirectory} trains contrastively"
            : asked == TrainingMethod.Contrastive
            ? $"applies to standard fine-tuning, not to {methodSetting(TrainingMethod.Contrastive)} (which trains pairs, then fits its head on the frozen embeddings)"
            : $"applies to standard fine-tuning; {methodSetting(TrainingMethod.Auto)} chose contrastive ({method.Reason}), so pass {methodSetting(TrainingMethod.Standard)} to use it") + instead);
    }

    private static TrainingMethod RequireResolved(TrainingMethod method) => method is TrainingMethod.Standard or TrainingMethod.Contrastive
        ? method
        : throw new ArgumentException($"expected a resolved method, standard or contrastive, not {method}; resolve auto with TrainingMethodChoice.Resolve", nameof(method));
}
