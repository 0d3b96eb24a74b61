using System.Globalization;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Data;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Schedules;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// The sections a trained classifier's model card adds to its metadata (<see cref="Export.ModelCard.FromInfo"/>): the
/// method, the data, the hyperparameters, the run and, for LoRA, the adapters. <c>ortagent train</c> and the C# facade
/// (<see cref="TextClassifiers.TextClassifierTrainer"/>) write the same ones, each naming its data in its own words.
/// </summary>
internal static class ClassifierTrainingCard
{
    /// <summary>What a run trained and validated on, as its card names it.</summary>
    /// <param name="Labels">The label names, in index order.</param>
    /// <param name="Training">The training data as the card writes it: a file (<see cref="FileSource"/>), or a description (<see cref="GivenInMemory"/>).</param>
    /// <param name="TrainingCount">The examples trained on.</param>
    /// <param name="Validation">The validation data as the card writes it: a file (<see cref="FileSource"/>), or a description (<see cref="HeldOut"/>, <see cref="GivenInMemory"/>).</param>
    /// <param name="ValidationCount">The examples validated on.</param>
    public sealed record DataSources(IReadOnlyList<string> Labels, string Training, int TrainingCount, string Validation, int ValidationCount)
    {
        /// <summary>The examples trained on of each label, by label index; null when not known (the card then gives totals only).</summary>
        public IReadOnlyList<int>? TrainingPerLabel { get; init; }

        /// <summary>The examples validated on of each label, by label index; null when not known.</summary>
        public IReadOnlyList<int>? ValidationPerLabel { get; init; }

        /// <summary>The text column the files were read by, where it was named rather than detected (<see cref="RecordedColumns"/> reads it back).</summary>
        public string? TextColumn { get; init; }

        /// <summary>The label column the files were read by, where it was named rather than detected.</summary>
        public string? LabelColumn { get; init; }

        /// <summary>These sources with each label's examples in <paramref name="training"/> and <paramref name="validation"/>.</summary>
        public DataSources WithExamplesPerLabel(TokenizedDataset training, TokenizedDataset validation) => this with
        {
            TrainingPerLabel = training.ExamplesPerLabel(Labels.Count),
            ValidationPerLabel = validation.ExamplesPerLabel(Labels.Count),
        };
    }

    /// <param name="fineTuning">Standard fine-tuning's settings; a contrastive run's card reads none of them.</param>
    /// <param name="contrastiveOptions">Contrastive training's settings.</param>
    /// <param name="weightDecay">The optimizer's weight decay.</param>
    /// <param name="maxLength">The maximum token length asked for.</param>
    /// <param name="properties">The artifacts' recorded settings: what the graphs were built with, on a resumed run too.</param>
    /// <param name="data">The training and validation sets.</param>
    /// <param name="result">The fine-tuning outcome.</param>
    /// <param name="resumedAtStep">The step this call resumed the run at; null when it began the run (<see cref="TrainedIn"/>).</param>
    /// <param name="method">The training method and why it was used.</param>
    /// <param name="contrastive">The contrastive run's details, when the method was contrastive.</param>
    /// <param name="withRunLog">
    /// Whether <c>metrics.jsonl</c> and <c>training_curve.png</c> sit beside the model (<c>ortagent train</c>'s observer
    /// writes them; the C# facade does not), so that the card lists only files that are there.
    /// </param>
    /// <param name="startedFrom">
    /// What the run's weights started from (<see cref="InitialModel.Describe"/>), for provenance; null for its base model's.
    /// </param>
    public static Dictionary<string, string> Sections(FineTuningOptions fineTuning, ContrastiveOptions contrastiveOptions, double weightDecay, int maxLength,
        TrainingProperties properties, DataSources data, FineTuningResult result, long? resumedAtStep, TrainingMethodChoice method, ContrastiveResult? contrastive, bool withRunLog,
        string? startedFrom = null)
    {
        var sections = contrastive is not null
            ? ContrastiveSections(contrastiveOptions, weightDecay, maxLength, properties, data, result, resumedAtStep, method, contrastive, withRunLog)
            : StandardSections(fineTuning, weightDecay, maxLength, properties, data, result, resumedAtStep, method, withRunLog);
        if (startedFrom is not null) sections[StartedFromTitle] = startedFrom;
        return sections;
    }

    /// <summary>The title of the section naming what a run started from (<c>--init-from</c>).</summary>
    public const string StartedFromTitle = "Started from";

    /// <summary>
    /// The sections of a standard run's card that it can write before it trains (the method, the data, the
    /// hyperparameters, and what it started from): what <see cref="TrainingArtifacts.RecordStartingCard"/> keeps, so that
    /// an export of the run before it finishes says them too. Its outcome (<c>Run</c>) and its LoRA figures wait for
    /// weights: an export adds LoRA's from the weights it exports (<see cref="LoraSection"/>).
    /// </summary>
    /// <param name="fineTuning">The run's fine-tuning settings, its learning rate resolved.</param>
    /// <param name="weightDecay">The optimizer's weight decay.</param>
    /// <param name="maxLength">The maximum token length asked for.</param>
    /// <param name="properties">The artifacts' recorded settings.</param>
    /// <param name="data">The training and validation sets.</param>
    /// <param name="method">The training method and why it was used.</param>
    /// <param name="startedFrom">What the run's weights started from, for provenance; null for its base model's.</param>
    public static Dictionary<string, string> StartingSections(FineTuningOptions fineTuning, double weightDecay, int maxLength,
        TrainingProperties properties, DataSources data, TrainingMethodChoice method, string? startedFrom)
    {
        var sections = StandardSettingsSections(fineTuning, weightDecay, maxLength, properties, data, method);
        if (startedFrom is not null) sections[StartedFromTitle] = startedFrom;
        return sections;
    }

    private static Dictionary<string, string> StandardSections(FineTuningOptions fineTuning, double weightDecay, int maxLength,
        TrainingProperties properties, DataSources data, FineTuningResult result, long? resumedAtStep, TrainingMethodChoice method, bool withRunLog)
    {
        var sections = StandardSettingsSections(fineTuning, weightDecay, maxLength, properties, data, method);
        sections["Run"] = string.Create(CultureInfo.InvariantCulture,
            $"{result.Steps} optimizer steps{TrainedIn(result, resumedAtStep)}; {KeptModel(fineTuning, data.ValidationCount, result)}.{RunLog(withRunLog, "every step and evaluation")}");
        if (properties.Lora is { } lora) sections[LoraTitle] = LoraSection(lora, result.BestParameters);
        return sections;
    }

    /// <summary>What a standard run's card says of it before its outcome: the method, the data and the hyperparameters.</summary>
    private static Dictionary<string, string> StandardSettingsSections(FineTuningOptions fineTuning, double weightDecay, int maxLength,
        TrainingProperties properties, DataSources data, TrainingMethodChoice method)
    {
        var f = fineTuning;
        var weights = properties.ClassWeights is { } w ? ClassWeighting.Describe(data.Labels, w) : "none";
        return new Dictionary<string, string>
        {
            ["Method"] = method.ToString(),
            ["Data"] = DataSection(data),
            ["Hyperparameters"] = string.Create(CultureInfo.InvariantCulture,
                $"| setting | value |\n|---|---|\n| epochs | {Epochs(f, data.TrainingCount)} |\n| batch size | {BatchSize(f, data.TrainingCount)} × {f.GradientAccumulation} accumulation |\n| learning rate | {LearningRateText.Of(ResolvedLearningRate(f, loraAdapters: properties.Lora is not null))} ({LearningRateSchedule.NameOf(f.Scheduler)}, warmup {NumberText.Of(f.WarmupRatio)}) |\n| weight decay | {NumberText.Of(weightDecay)} |\n| max grad norm | {NumberText.Of(f.MaxGradNorm)} |\n| max length | {maxLength} |\n| pooling | {properties.Pooling}{(properties.NormalizeEmbeddings ? ", L2-normalised (as the contrastive model it started from)" : "")} |\n| dropout | {NumberText.Of(properties.DropoutRatio)}{(properties.EncoderDropoutRatio > 0 ? $" before the head, {NumberText.Of(properties.EncoderDropoutRatio)} inside the encoder" : "")} |\n| frozen | {Frozen(properties)} |\n| class weights | {weights} |\n| label smoothing | {NumberText.Of(properties.LabelSmoothing)} |\n| seed | {f.Seed} |\n| early stopping | {EarlyStopping(f)} |"),
        };
    }

    /// <summary>The title of the section <see cref="LoraSection"/> writes.</summary>
    public const string LoraTitle = "LoRA";

    /// <summary>
    /// The adapter settings and how much was trained, counted in <paramref name="parameters"/> (a LoRA run's
    /// checkpoint holds its trainable parameters alone); the exported weights have the adapters merged in.
    /// </summary>
    public static string LoraSection(LoraProperties lora, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters)
    {
        long adapters = parameters.Where(p => LoraParameterNames.IsAdapter(p.Key)).Sum(p => p.Value.ElementCount);
        long trainable = parameters.Sum(p => p.Value.ElementCount);
        return string.Create(CultureInfo.InvariantCulture,
            $"Low-rank adapters (Hu et al. 2021) were trained on the frozen base and merged into `model.onnx` (W + A·B·α/r).\n\n| setting | value |\n|---|---|\n| rank | {lora.Rank} |\n| alpha | {NumberText.Of(lora.Alpha)} (scale {NumberText.Of(lora.Scale)}) |\n| dropout | {NumberText.Of(lora.Dropout)} |\n| targets | {string.Join(", ", lora.Targets)} ({lora.AdaptedWeights.Count} weights) |\n| trainable parameters | {trainable:N0} ({adapters:N0} in adapters, the rest in the head) |\n| base SHA-256 | `{lora.BaseSha256}` |");
    }

    private static Dictionary<string, string> ContrastiveSections(ContrastiveOptions c, double weightDecay, int maxLength, TrainingProperties properties, DataSources data,
        FineTuningResult result, long? resumedAtStep, TrainingMethodChoice method, ContrastiveResult contrastive, bool withRunLog)
    {
        var head = contrastive.Head;
        // After stage 1 the candidates often all tie on accuracy, and the cross-entropy decides: the card shows both.
        var candidates = string.Join(", ", head.Candidates.Select(h => FormattableString.Invariant($"C={NumberText.Of(h.C)}: {h.Accuracy:P1}, loss {h.Loss:F3}")));
        return new Dictionary<string, string>
        {
            ["Method"] = method + ". Stage 1 fine-tunes the encoder on sentence pairs (" + StageOneLoss(c) + "); stage 2 fits a multinomial logistic regression on the "
                + "frozen, L2-normalised embeddings. The model is encoder + mean pooling + L2 normalisation + that linear head.",
            ["Data"] = DataSection(data),
            ["Hyperparameters"] = string.Create(CultureInfo.InvariantCulture,
                $"| setting | value |\n|---|---|\n| stage-1 loss | {ContrastiveOptions.ShortName(c.Loss)}{(c.Loss == ContrastiveLoss.SupervisedContrastive ? $" (temperature {NumberText.Of(c.TemperatureOrDefault)})" : "")} |\n| pair rounds | {contrastive.Rounds}{(contrastive.Rounds > c.PairRounds ? $", raised from {c.PairRounds} to take at least {c.MinimumSteps} {(c.MinimumSteps == 1 ? "step" : "steps")}" : "")} ({contrastive.Pairs} pairs, half positive) |\n| contrastive epochs | {c.Epochs} |\n| batch size | {PairBatchSize(c, contrastive.Pairs)} |\n| learning rate | {LearningRateText.Of(c.LearningRate)} (linear, warmup {NumberText.Of(c.WarmupRatio)}) |\n| weight decay | {NumberText.Of(weightDecay)} |\n| max grad norm | {NumberText.Of(c.MaxGradNorm)} |\n| max length | {maxLength} |\n| frozen | {Frozen(properties)} |\n| head C | {NumberText.Of(head.C)}{(head.Choice == HeadChoice.Fixed ? " (fixed)" : $" (the most accurate on {head.Basis}, ties to the lower cross-entropy, of {candidates})")} |\n| seed | {c.SeedOrDefault} |"),
            ["Run"] = string.Create(CultureInfo.InvariantCulture,
                $"{result.Steps} optimizer steps of the encoder and the head fit{TrainedIn(result, resumedAtStep)}.{RunLog(withRunLog, "every step and the head's evaluation")}"),
        };
    }

    /// <summary>
    /// The rate the run trained at: every caller resolves it before training (<see cref="FineTuningOptions.WithLearningRateResolved"/>),
    /// and resolving it again here keeps the card from writing "null" should one not.
    /// </summary>
    internal static double ResolvedLearningRate(FineTuningOptions f, bool loraAdapters) => f.WithLearningRateResolved(loraAdapters).LearningRate!.Value;

    /// <summary>What stage 1's loss compares, in the card's words.</summary>
    private static string StageOneLoss(ContrastiveOptions c) => c.Loss == ContrastiveLoss.SupervisedContrastive
        ? string.Create(CultureInfo.InvariantCulture, $"the supervised contrastive loss of Khosla et al. over every text of a batch: cosine similarities of mean-pooled, L2-normalised embeddings over temperature {NumberText.Of(c.TemperatureOrDefault)}, each text drawn to the others of its label against all others")
        : "cosine similarity of mean-pooled embeddings, squared error to 1 for same-label pairs and 0 otherwise";

    /// <summary>
    /// How long the run took, as far as this call knows: its own time is the run's only when it began the run (or resumed
    /// it before its first step). A resumed call says which of the steps its time covers; a finished run called again
    /// took none, and the run's own time is recorded nowhere, so nothing is said of it (the card used to give this
    /// call's 00:00:00 as the run's).
    /// </summary>
    internal static string TrainedIn(FineTuningResult result, long? resumedAtStep)
    {
        string time = result.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        if (resumedAtStep is not long resumedAt || resumedAt == 0) return $" in {time}";
        return result.Steps > resumedAt ? $" (the last {result.Steps - resumedAt} in {time}, resumed at step {resumedAt})" : "";
    }

    private static string RunLog(bool written, string logged) =>
        written ? $" Files: `{TrainingArtifacts.MetricsLogFile}` ({logged}), `{TrainingArtifacts.TrainingCurveFile}`." : "";

    /// <summary>
    /// The epochs cell of a hyperparameter table: the epochs the run takes (<see cref="FineTuningOptions.EpochsFor"/>), and
    /// when <see cref="FineTuningOptions.MinimumSteps"/> raised them, the epochs asked for beside them, as
    /// <see cref="BatchSize(FineTuningOptions, int)"/> gives the one asked for (the card said "1 (at least 10 steps)" of a
    /// run that printed "training 4 epochs to take at least 10 steps"). An early stop ends the run before them, which the
    /// run section says.
    /// </summary>
    public static string Epochs(FineTuningOptions options, int trainingCount)
    {
        int planned = options.EpochsFor(options.StepsPerEpoch(trainingCount));
        string steps = string.Create(CultureInfo.InvariantCulture, $"at least {options.MinimumSteps} {(options.MinimumSteps == 1 ? "step" : "steps")}");
        return planned > options.Epochs ? string.Create(CultureInfo.InvariantCulture, $"{planned} (to take {steps}; {options.Epochs} asked for)")
            : options.MinimumSteps == 0 ? options.Epochs.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{options.Epochs} ({steps})");
    }

    /// <summary>
    /// The frozen cell of a hyperparameter table: the freeze patterns the artifacts record (layer ranges expanded), with
    /// the parameter tensors they froze; LoRA's frozen base is said in its own section. The card said nothing of them.
    /// </summary>
    internal static string Frozen(TrainingProperties properties)
    {
        if (properties.Lora is not null) return "the base weights (LoRA trains its adapters and the head)";
        if (properties.Freeze.Count == 0) return "none";
        int all = properties.FrozenParameters.Count + properties.TrainableParameters.Count;
        // A pattern is a name glob; a '|' in it would end the table cell.
        return string.Join(", ", properties.Freeze.Select(p => $"`{p.Replace("|", "\\|", StringComparison.Ordinal)}`"))
            + string.Create(CultureInfo.InvariantCulture, $" ({properties.FrozenParameters.Count} of {all} parameter tensors)");
    }

    /// <summary>
    /// The batch size the run trained at: the one asked for, or the training set's size when that is smaller (each step
    /// then took every example), with the one asked for beside it.
    /// </summary>
    public static string BatchSize(FineTuningOptions options, int trainingCount) =>
        BatchSize(options.BatchSize, trainingCount, "", "every training example");

    /// <summary>
    /// The batch size a contrastive run trained at, in pairs: the one asked for, or the pairs of an epoch when they are
    /// fewer (each step then took every pair), with the one asked for beside it.
    /// </summary>
    public static string PairBatchSize(ContrastiveOptions options, int pairs) => BatchSize(options.BatchSize, pairs, " pairs", "every pair");

    private static string BatchSize(int asked, int available, string unit, string all) => asked > available
        ? string.Create(CultureInfo.InvariantCulture, $"{available}{unit} ({all}; {asked} asked for)")
        : string.Create(CultureInfo.InvariantCulture, $"{asked}{unit}");

    /// <summary>
    /// Which model a fine-tuning run kept: its best evaluation's, or its last when asked to or when the validation set was
    /// too small to choose by.
    /// </summary>
    public static string KeptModel(FineTuningOptions options, int validationCount, FineTuningResult result) =>
        (options.SelectsOnValidation(validationCount) ? $"best {ValidationMetricNames.Of(options.Metric)} at step {result.BestStep}"
            : options.Keep == ModelToKeep.Last ? "the last model kept, as asked"
            : $"the last model kept ({validationCount} validation {(validationCount == 1 ? "example is" : "examples are")} too few to choose by)")
        + (result.StoppedEarly ? "; stopped early" : "");

    /// <summary>The hyperparameter table's early-stopping cell: what was to choose the kept model, and when nothing would.</summary>
    public static string EarlyStopping(FineTuningOptions f) => f.Keep == ModelToKeep.Last
        ? "off: the last model kept, as asked"
        : string.Create(CultureInfo.InvariantCulture,
            $"{ValidationMetricNames.Of(f.Metric)}, patience {f.Patience}, mean of {f.SmoothingWindow} evaluations under {FineTuningOptions.SmallValidationSet} validation examples; off, the last model kept, under {f.MinimumValidationToSelect}");

    /// <summary>
    /// The data section: one line for the training data, one for the validation data, each with the examples used of it
    /// (<c>- training: 160 examples given in memory, 144 trained on</c>); then, when known, each label's examples in both
    /// and the labels no validation example has, whose figures the validation metrics leave out (the run warned of them,
    /// the card said nothing: a reader saw a validation accuracy of 1.0 on 16 labels, one never checked).
    /// </summary>
    public static string DataSection(DataSources data)
    {
        var section = $"{TrainingLine}{data.Training}, {data.TrainingCount} trained on\n" +
            $"{ValidationLine}{data.Validation}, {data.ValidationCount} validated on";
        if (data.TextColumn is not null || data.LabelColumn is not null)
            section += "\n" + ColumnsLine + string.Join(", ", new[] { (TextColumnWord, data.TextColumn), (LabelColumnWord, data.LabelColumn) }
                .Where(column => column.Item2 is not null).Select(column => $"{column.Item1}`{column.Item2}`"));
        if (data.TrainingPerLabel is not { } training || data.ValidationPerLabel is not { } validation) return section;
        section += "\n- examples per label (training/validation): " +
            string.Join(", ", data.Labels.Select((label, i) => $"`{label}` {training[i]}/{validation[i]}"));
        var notValidated = data.Labels.Where((_, i) => validation[i] == 0).Select(label => $"`{label}`").ToArray();
        if (notValidated.Length > 0)
            section += $"\n- not validated: {string.Join(", ", notValidated)} ({(notValidated.Length == 1 ? "no validation example has this label" : "no validation example has these labels")}, so the validation metrics say nothing of {(notValidated.Length == 1 ? "it" : "them")})";
        return section;
    }

    /// <summary>How a card names a data file: its full path, as code (what <see cref="RecordedData"/> reads back).</summary>
    public static string FileSource(string fullPath) => $"`{fullPath}`";

    /// <summary>The data of a run on examples a program passed in memory (the C# facade's).</summary>
    /// <param name="labels">The label names, in index order.</param>
    /// <param name="given">The training examples passed.</param>
    /// <param name="training">The examples trained on: those passed, less any held out.</param>
    /// <param name="validation">The examples validated on.</param>
    /// <param name="heldOutBySeed">The seed of the split that held the validation examples out of those passed; null when they were passed apart.</param>
    public static DataSources InMemory(IReadOnlyList<string> labels, int given, TokenizedDataset training, TokenizedDataset validation, int? heldOutBySeed) =>
        new DataSources(labels, GivenInMemory(given), training.Count,
            heldOutBySeed is int seed ? HeldOut(validation.Count, GivenInMemory(given), seed) : GivenInMemory(validation.Count), validation.Count)
            .WithExamplesPerLabel(training, validation);

    /// <summary>How a card names <paramref name="count"/> examples a program passed in memory.</summary>
    private static string GivenInMemory(int count) => count == 1 ? "1 example given in memory" : $"{count} examples given in memory";

    /// <summary>
    /// How a card names the validation examples held out of <paramref name="source"/> (as the card names it: a
    /// <see cref="FileSource"/> or a description) by the stratified split of <paramref name="seed"/>.
    /// </summary>
    public static string HeldOut(long count, string source, int seed) => $"{count} held out of {source} (stratified, seed {seed})";

    private const string TrainingLine = "- training: ";
    private const string ValidationLine = "- validation: ";
    private const string ColumnsLine = "- columns: ";
    private const string TextColumnWord = "text ", LabelColumnWord = "label ";

    /// <summary>
    /// The text and label columns a card's data section records (<see cref="DataSources.TextColumn"/>), which
    /// <c>distill</c> reads its teacher's recorded data by; null for a column the run detected, or a card that says none.
    /// </summary>
    public static (string? Text, string? Label) RecordedColumns(string card)
    {
        var line = card.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(ColumnsLine, StringComparison.Ordinal));
        if (line is null) return (null, null);
        string rest = line[ColumnsLine.Length..];
        string? text = null, label = null;
        // A name may hold a comma or a backtick: the text column ends where the label column's words begin, or at the line's end.
        if (rest.StartsWith(TextColumnWord + "`", StringComparison.Ordinal))
        {
            int labelAt = rest.LastIndexOf($"`, {LabelColumnWord}`", StringComparison.Ordinal);
            int end = labelAt >= 0 ? labelAt : rest.Length - 1;
            if (end > TextColumnWord.Length + 1 && rest[end] == '`') text = rest[(TextColumnWord.Length + 1)..end];
            rest = labelAt >= 0 ? rest[(labelAt + 3)..] : "";
        }
        if (rest.StartsWith(LabelColumnWord + "`", StringComparison.Ordinal) && rest.Length > LabelColumnWord.Length + 2 && rest[^1] == '`')
            label = rest[(LabelColumnWord.Length + 1)..^1];
        return (text, label);
    }

    /// <summary>
    /// The training and validation files a card's data section records (what <c>distill</c> reuses when no
    /// <c>--data</c> is given); null where the card records none. A held-out split and examples given in memory are
    /// descriptions, not files, and are none.
    /// </summary>
    public static (string? Training, string? Validation) RecordedData(string card)
    {
        string? training = null, validation = null;
        foreach (var line in card.Split('\n'))
        {
            training ??= Quoted(line, TrainingLine);
            validation ??= Quoted(line, ValidationLine);
        }
        return (training, validation);

        // Files are recorded by full path, for distill reads them back from another working directory.
        static string? Quoted(string line, string start)
        {
            if (!line.StartsWith(start + "`", StringComparison.Ordinal)) return null;
            int from = start.Length + 1, end = line.IndexOf('`', from);
            return end > from && Path.IsPathFullyQualified(line[from..end]) ? line[from..end] : null;
        }
    }
}
