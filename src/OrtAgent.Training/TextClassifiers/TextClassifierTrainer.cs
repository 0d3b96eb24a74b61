using OrtAgent.Data;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Data;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// Trains a text classifier from labelled texts in memory and exports it, in one call: what <c>ortagent train</c> does,
/// for a .NET program. It checks the options and the data, holds out a stratified, seeded validation part when none is
/// given, resolves the <see cref="TrainingMethod"/>, generates the training artifacts (or resumes the run found in them),
/// trains under a claim on the artifacts directory, and exports the best model, which
/// <c>OrtAgent.Runtime.TextClassifier.Load</c> opens.
/// </summary>
/// <remarks>
/// Every mistake in the options or the data is a <see cref="UserInputException"/> (an <see cref="InvalidOptionException"/>
/// naming <c>Type.Property</c> for an option) thrown before anything is written. Cancelling writes a checkpoint and
/// throws <see cref="OperationCanceledException"/>; the same call made again resumes the run where it stopped
/// (<see cref="ExistingRun.Resume"/>), taking the steps the uninterrupted run would have taken.
/// </remarks>
public static partial class TextClassifierTrainer
{
    private const string TrainingSource = "the training data", ValidationSource = "the validation data";

    /// <summary>Trains on <paramref name="training"/>, validating on <paramref name="validation"/> or on a part held out of the training data, and exports the model.</summary>
    /// <param name="options">The base model, the directories and the training settings.</param>
    /// <param name="training">The examples to train on: at least two labels.</param>
    /// <param name="validation">
    /// The examples to choose and report the model on, with the training data's labels; null holds out
    /// <see cref="TextClassifierTrainingOptions.ValidationFraction"/> of each label's training examples, picked by
    /// <see cref="FineTuningOptions.Seed"/> (the same data and seed hold out the same examples).
    /// </param>
    /// <param name="observer">Receives each step, evaluation, message and warning, on the calling thread; null for none.</param>
    /// <param name="cancellationToken">Stops training at the next step, after a checkpoint.</param>
    /// <exception cref="UserInputException">An option, the data, a directory or the base model is wrong, or another session trains in the artifacts directory; the message names it.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients were not finite numbers (a <see cref="UserInputException"/>); the step was not applied and nothing is exported.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="training"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled; its checkpoint is written, and calling again resumes it.</exception>
    public static TextClassifierTrainingResult Train(TextClassifierTrainingOptions options, IReadOnlyList<LabeledExample> training,
        IReadOnlyList<LabeledExample>? validation = null, ITrainingObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(training);
        options.Validate();
        // Full paths from here on, so the result and every message name the directories as the claims hold them.
        options = options with { ArtifactsDirectory = FullPath(options.ArtifactsDirectory), OutputDirectory = FullPath(options.OutputDirectory) };
        observer ??= new SilentObserver();
        var initFrom = options.InitFrom is null ? null : InitialModel.Open(options.InitFrom, Name(nameof(TextClassifierTrainingOptions.InitFrom)));
        var labels = LabelsFrom(initFrom, options, LabelsOf(options, training));
        // An adapter fixes the run's rank, α and targets, which the options may not contradict.
        var lora = initFrom is null ? options.Lora : initFrom.LoraFor(options.Lora, rankSet: true, targetsSet: true, dropoutSet: options.Lora is { Dropout: > 0 },
            Name(nameof(TextClassifierTrainingOptions.Lora)));
        if (initFrom is { Adapter: not null } && (options.Freeze.Count > 0 || options.FreezeLayers is not null))
            throw new InvalidOptionException(Name(options.Freeze.Count > 0 ? nameof(TextClassifierTrainingOptions.Freeze) : nameof(TextClassifierTrainingOptions.FreezeLayers)),
                options.Freeze.Count > 0 ? string.Join(",", options.Freeze) : options.FreezeLayers!,
                $"does not combine with an adapter as {Name(nameof(TextClassifierTrainingOptions.InitFrom))}, whose LoRA training freezes every base weight already");
        if (validation is not null) CheckValidation(validation, labels, "the training labels");
        // Fail on an unusable device before anything is read or written, not after the artifacts are built.
        using (options.Session.CreateSessionOptions()) { }

        var baseModel = OpenBaseModel(options.BaseModel);
        initFrom?.RefuseMoreLayersThan(baseModel.Architecture.Layers, Name(nameof(TextClassifierTrainingOptions.BaseModel)));
        // A distilled student has fewer layers than the base it was cut from: its own encoder is the new run's base, as
        // for train --init-from, written into the artifacts directory.
        var ownEncoder = initFrom?.OwnEncoderOver(baseModel);
        string baseName = baseModel.Descriptor?.Name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(baseModel.Directory));
        // Before anything is written, what the weights' own records already refuse: a model of another named base (its
        // weights, the same shapes, would silently replace this base's).
        if (initFrom?.BaseModelName is { } trainedFrom && baseModel.Descriptor?.Name is { } described && trainedFrom != described)
            throw new UserInputException($"{Name(nameof(TextClassifierTrainingOptions.InitFrom))} {options.InitFrom}: was fine-tuned from {trainedFrom}, and its weights would replace {described}'s; " +
                $"set {Name(nameof(TextClassifierTrainingOptions.BaseModel))} to {trainedFrom}, or start from a model trained from {described}");
        var encoderArchitecture = ownEncoder?.Architecture ?? baseModel.Architecture;
        int maxLength = Math.Min(options.MaxLength, encoderArchitecture.MaxPositions);
        bool lowerCase = encoderArchitecture.LowerCase;
        var encoder = BertTextEncoder.Create(ownEncoder?.VocabularyPath ?? baseModel.VocabPath, new BertTextEncoderOptions { LowerCase = lowerCase, MaxLength = maxLength });

        CheckDirectoriesApart(options.OutputDirectory, OutputWhat(options), options.ArtifactsDirectory, ArtifactsWhat(options));
        // Claimed before a run found there is opened: opening recovers a checkpoint save cut short, a write that would
        // undo the save of a run still going. The output too, which a run with other artifacts could be exporting to.
        using var claim = ArtifactsClaim.Acquire(options.ArtifactsDirectory);
        using var outputClaim = ClaimOutput(options.OutputDirectory, Name(nameof(TextClassifierTrainingOptions.OutputDirectory)));
        var resume = ExistingRunIn(options.ExistingRun, options.ArtifactsDirectory);
        // Read once, for the checks and the resumed method's reason.
        var recorded = resume is null ? null : RecordedSettings.Read(resume.Directory);
        if (resume is null) TrainingArtifacts.CheckDestination(options.ArtifactsDirectory, ArtifactsWhat(options));
        else TextClassifierResumeCheck.CheckRecorded(options, resume, recorded, labels, baseModel, baseName, maxLength);

        var (trainingPart, validationPart, digest) = Split(training, validation, options.ValidationFraction, options.FineTuning.Seed);
        // Before tokenizing: a resumed run given other examples is refused without that work.
        if (resume is not null) TextClassifierResumeCheck.CheckData(Name(nameof(TextClassifierTrainingOptions.ValidationFraction)), options.ValidationFraction, resume, recorded, digest);
        var trainingSet = Tokenize(trainingPart, labels, encoder, cancellationToken);
        var validationSet = Tokenize(validationPart, labels, encoder, cancellationToken);
        var trainingPerLabel = trainingSet.ExamplesPerLabel(labels.Count);
        var method = resume is not null
            ? TrainingMethodChoice.Resumed(resume, recorded)
            : TrainingMethodChoice.Resolve(options.Method, trainingPerLabel);
        ClassifierTraining.RefuseStandardOnly(TextClassifierStandardOnlySettings.Of(options, initFrom), method, options.Method, resume?.Directory,
            m => $"{Name(nameof(TextClassifierTrainingOptions.Method))} = {m}");
        if (method.Method == TrainingMethod.Contrastive) options.Contrastive.CheckPairCount(trainingSet.Count);
        // A standard run trains on from the model's head, reading the encoder as that head did; an adapter's run keeps its adapters.
        var startingHead = method.Method == TrainingMethod.Standard ? initFrom?.Head : null;
        var classWeights = options.ClassWeights.Resolve(labels, trainingPerLabel, Name(nameof(TextClassifierTrainingOptions.ClassWeights)));
        var pooling = startingHead is null ? options.Pooling
            : initFrom!.PoolingFor(options.Pooling, options.Pooling != PoolingMode.Mean, Name(nameof(TextClassifierTrainingOptions.Pooling)));
        if (resume is not null) TextClassifierResumeCheck.CheckBuiltWith(options, resume, labels, classWeights, pooling, lora);
        var perLabel = validationSet.ExamplesPerLabel(labels.Count);
        for (int i = 0; i < labels.Count; i++)
            if (perLabel[i] == 0)
                observer.OnWarning($"warning: label {PrintableText.Quote(labels[i])} has no validation example, so nothing checks it");

        bool fresh = resume is null && !Directory.Exists(options.ArtifactsDirectory);
        TrainingArtifacts artifacts;
        try
        {
            artifacts = resume ?? TrainingArtifacts.Generate(ClassifierTraining.ArtifactsOptions(new TrainingArtifactsOptions
            {
                BaseModel = ownEncoder is not null ? WriteOwnEncoder(initFrom!, baseModel, options.ArtifactsDirectory) : baseModel.Directory,
                Labels = labels,
                NumLabels = labels.Count,
                Seed = options.FineTuning.Seed,
                ClassWeights = classWeights,
                Pooling = pooling,
                NormalizeEmbeddings = startingHead?.NormalizeEmbeddings == true,
                Lora = lora,
                FreezePatterns = options.Freeze,
                FreezeLayers = options.FreezeLayers,
                MaxLength = maxLength,
                LowerCase = lowerCase,
                BaseModelName = baseName,
                // Marked until set up, so a run killed half-way is started again rather than resumed (ExistingRunIn).
                LeaveMarkedForSetup = true,
            }, method.Method), options.ArtifactsDirectory);
            if (resume is null)
            {
                // What the run's graphs do not fix, for a later call to keep (TextClassifierResumeCheck): the record train --resume reads.
                new RecordedSettings(options.FineTuning, options.Contrastive, method.Reason, options.InitFrom is null ? null : FullPath(options.InitFrom), digest).Write(artifacts.Directory);
                initFrom?.ApplyTo(artifacts);
            }
        }
        catch (UserInputException ex)
        {
            // A student's encoder that builds no graphs, weights that do not fit them (a model of another base): nothing is
            // left behind; in a directory that was there before, the artifacts stay marked for setup, so a later call
            // starts the run again.
            if (fresh) BestEffortDelete.Directory(options.ArtifactsDirectory, recursive: true);
            // The graph builder names the artifacts' options; the caller set this facade's.
            if (ex is InvalidOptionException invalid && OwnFreezeOption(invalid.Option) is { } own)
                throw new InvalidOptionException(Name(own), invalid.Value, invalid.Problem, invalid);
            throw;
        }
        if (resume is null) TrainingArtifacts.CompleteSetup(artifacts.Directory);
        var state = resume is not null && File.Exists(resume.TrainerStatePath) ? TrainerState.Load(resume.TrainerStatePath) : null;

        FineTuningResult result;
        Contrastive.ContrastiveResult? contrastive;
        using (var session = TrainingSession.Create(artifacts, options.Session, claim))
        {
            (result, contrastive) = ClassifierTraining.Train(session, method.Method, options.FineTuning, options.Contrastive, labels, encoder.PaddingTokenId,
                observer, options.Session, trainingSet, validationSet, state, cancellationToken);
        }
        var metrics = RecordableMetrics.Keep(ClassifierTraining.RecordedMetrics(result, options.FineTuning.Metric), observer.OnWarning);
        // The card train writes, its data named as given in memory.
        var card = ClassifierTrainingCard.Sections(options.FineTuning, options.Contrastive, artifacts.Properties.WeightDecay ?? 0,
            maxLength, artifacts.Properties, ClassifierTrainingCard.InMemory(labels, training.Count, trainingSet.Count, validationSet.Count,
                heldOutBySeed: validation is null ? options.FineTuning.Seed : null), result, state?.Step, method, contrastive, withRunLog: false);
        ExportUnlessInPlace(artifacts, result, ClassifierTraining.ExportOptions(metrics, maxLength, lowerCase, baseName, quantizeInt8: options.QuantizeInt8, cardSections: card),
            ModelCard.FromInfo(new ClassifierModelInfo(labels.ToList(), maxLength, lowerCase, baseName, "single_label", metrics), card), state, options.OutputDirectory, cancellationToken);
        return new TextClassifierTrainingResult(options.OutputDirectory, artifacts.Directory, labels, method, resume is not null,
            options.FineTuning.Metric, result.BestMetric, result.BestReport, result.BestStep, result.Steps, result.StoppedEarly, result.Elapsed,
            trainingSet.Count, validationSet.Count);
    }

    /// <summary>
    /// Exports the run's model, and keeps its card in the artifacts as train keeps its own, for a later
    /// <c>export --checkpoint</c> of the run to say what it did. A finished run called again took no step: the model it
    /// exported before, still in place, is kept as it is with the card of the call that trained it, so a
    /// <c>TextClassifier</c> loaded from it goes on explaining rather than refusing a model that was only written again.
    /// </summary>
    /// <returns>True when the model was written; false when the one in place was kept.</returns>
    private static bool ExportUnlessInPlace(TrainingArtifacts artifacts, FineTuningResult result, ExportOptions export, string card, TrainerState? began,
        string outputDirectory, CancellationToken cancellationToken)
    {
        var prepared = ModelExporter.Prepare(artifacts, result.BestParameters, export);
        if (began is { Finished: true } && prepared.IsIn(outputDirectory)) return false;
        artifacts.RecordModelCard(card);
        prepared.WriteTo(outputDirectory, cancellationToken);
        return true;
    }

    /// <summary>
    /// Beside the encoder of a run on a student's own encoder (<see cref="TrainingArtifacts.DerivedEncoderDirectoryName"/>):
    /// the SHA-256 of the <c>model.onnx</c> of the base the run was given (<see cref="BaseModelFingerprint"/>), which a
    /// resumed call's base must match. Written with the encoder, it goes with it when a new run replaces it.
    /// </summary>
    internal const string StudentBaseRecordFile = "student-base.sha256";

    /// <summary>This facade's property for a freeze option the graph builder refused, or null for any other option.</summary>
    private static string? OwnFreezeOption(string artifactsOption) =>
        artifactsOption == InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.FreezePatterns)) ? nameof(TextClassifierTrainingOptions.Freeze)
        : artifactsOption == InvalidOptionException.Name<TrainingArtifactsOptions>(nameof(TrainingArtifactsOptions.FreezeLayers)) ? nameof(TextClassifierTrainingOptions.FreezeLayers)
        : null;

    /// <summary>
    /// Writes a distilled student's own encoder, every layer of it, into the run's artifacts directory as the run's base
    /// (as <c>train --init-from</c> does), and returns where. Beside it goes the SHA-256 of the base the run was given
    /// (<see cref="StudentBaseRecordFile"/>): the graphs never read that base, which only checks the student's layers,
    /// so a resumed call is held to it by content, in whatever folder it is found (a name fits another base too).
    /// </summary>
    private static string WriteOwnEncoder(InitialModel student, BaseModel baseModel, string artifactsDirectory)
    {
        var directory = Path.Combine(artifactsDirectory, TrainingArtifacts.DerivedEncoderDirectoryName);
        // Replacing the encoder changes an earlier run in the directory: marked before, not when Generate marks it.
        TrainingArtifacts.BeginSetup(artifactsDirectory);
        student.WriteOwnEncoder(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, StudentBaseRecordFile), BaseModelFingerprint.Of(baseModel.ModelPath) + "\n");
        return directory;
    }

    /// <summary>
    /// Opens <see cref="TextClassifierTrainingOptions.BaseModel"/>; every mistake in it is an <see cref="InvalidOptionException"/>
    /// naming the option. An exported classifier is told apart from a base encoder by the OrtAgent metadata in its
    /// <c>model.onnx</c> (<see cref="DirectoryLayout.ExportedModel"/>): its graph ends in logits, not the hidden states a new head is built on.
    /// </summary>
    /// <exception cref="InvalidOptionException">The path is missing or a file, names an exported classifier, or is not a usable base encoder.</exception>
    private static BaseModel OpenBaseModel(string path)
    {
        string option = Name(nameof(TextClassifierTrainingOptions.BaseModel)), full = FullPath(path);
        if (File.Exists(full))
            throw new InvalidOptionException(option, path, $"is a file; give the base model's directory, which holds {ModelContract.ModelFile} and {ModelContract.VocabularyFile}");
        if (!Directory.Exists(full))
            throw new InvalidOptionException(option, path, $"the directory {full} does not exist");
        if (DirectoryLayout.ExportedModel.IsMarked(full))
        {
            string? trainedFrom = null;
            try
            {
                OnnxModel.ReadMetadata(Path.Combine(full, ModelContract.ModelFile)).TryGetValue(ModelContract.BaseModelKey, out trainedFrom);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException or FormatException)
            {
                // The mark was read a moment ago; failing now only leaves the base unnamed.
            }
            throw new InvalidOptionException(option, path, "is an exported OrtAgent classifier, not a base encoder; give the directory of the base model it was trained from" +
                (string.IsNullOrEmpty(trainedFrom) ? "" : $" ({trainedFrom})"));
        }
        try
        {
            return BaseModel.Open(full);
        }
        catch (UserInputException ex) when (ex is not InvalidOptionException)
        {
            throw new InvalidOptionException(option, path, ex.Message, ex);
        }
    }

    /// <summary>The model's labels: <see cref="TextClassifierTrainingOptions.Labels"/>, or the training data's, numbered as the command line numbers them.</summary>
    /// <exception cref="UserInputException">An example is empty, the data has fewer than two labels, or it does not match the labels given.</exception>
    private static IReadOnlyList<string> LabelsOf(TextClassifierTrainingOptions options, IReadOnlyList<LabeledExample> training)
    {
        CheckExamples(training, "training example");
        var found = LabelSet.Create(training.Select(e => e.Label), TrainingSource);
        if (options.Labels is not { } given) return found;
        string names = PrintableText.QuoteAll(given);
        if (found.FirstOrDefault(label => !given.Contains(label, StringComparer.Ordinal)) is { } extra)
            throw new UserInputException($"{TrainingSource}: label {PrintableText.Quote(extra)} is not one of the labels given ({names}){LabelSet.CaseHint(extra, given)}");
        if (given.FirstOrDefault(label => !found.TryGetIndex(label, out _)) is { } missing)
            throw new UserInputException($"{TrainingSource}: label {PrintableText.Quote(missing)} has no training examples; a class needs examples to be learnt (labels given: {names})");
        return given.ToArray();
    }

    /// <summary>
    /// Checks every example's text and label. A label is a name, as the command line reads it from a file: trimmed, and
    /// on one line. The command line trims what it reads; in memory the label is the caller's own string, which the
    /// model would give back, so one with spaces around it is refused rather than trimmed ("praise " would otherwise be a
    /// class apart from "praise", or come back as a name the caller never used).
    /// </summary>
    /// <exception cref="UserInputException">A text or a label is missing or blank, or a label has spaces around it or a line break, tab or other control character.</exception>
    private static void CheckExamples(IReadOnlyList<LabeledExample> examples, string what)
    {
        for (int i = 0; i < examples.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(examples[i].Text)) throw new UserInputException($"{what} {i + 1}: the text is empty");
            string label = examples[i].Label;
            if (string.IsNullOrWhiteSpace(label)) throw new UserInputException($"{what} {i + 1}: the label is empty");
            if (LabelProblem(label) is { } problem) throw new UserInputException($"{what} {i + 1}: label {PrintableText.Quote(label)} {problem}");
        }
    }

    /// <summary>What is wrong with a label name, as the command line's data rules have it; null when nothing is.</summary>
    internal static string? LabelProblem(string label) =>
        label.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029')
            ? "holds a line break, tab or other control character; labels are names printed on one line"
            : label.Trim().Length != label.Length
            ? $"has spaces around it; labels are names, compared exactly: give {PrintableText.Quote(label.Trim())}"
            : null;

    /// <exception cref="UserInputException">The validation data is empty, or an example is blank or has a label not among <paramref name="labels"/>.</exception>
    private static void CheckValidation(IReadOnlyList<LabeledExample> validation, IReadOnlyList<string> labels, string whose)
    {
        if (validation.Count == 0)
            throw new UserInputException($"{ValidationSource} has no examples; pass null to hold out part of the training data instead");
        CheckLabelled(validation, "validation example", labels, whose);
    }

    /// <summary>Checks every example's text and label (<see cref="CheckExamples"/>), and that its label is one of <paramref name="labels"/>.</summary>
    /// <param name="examples">The examples.</param>
    /// <param name="what">An example as messages name it, before its number: <c>validation example</c>.</param>
    /// <param name="labels">The labels the run has.</param>
    /// <param name="whose">Whose labels those are, as messages name them: <c>the training labels</c>.</param>
    /// <exception cref="UserInputException">An example is blank, or its label is not one of <paramref name="labels"/>.</exception>
    private static void CheckLabelled(IReadOnlyList<LabeledExample> examples, string what, IReadOnlyList<string> labels, string whose)
    {
        CheckExamples(examples, what);
        for (int i = 0; i < examples.Count; i++)
            if (!labels.Contains(examples[i].Label, StringComparer.Ordinal))
                throw new UserInputException($"{what} {i + 1}: label {PrintableText.Quote(examples[i].Label)} is not one of {whose} " +
                    $"{PrintableText.QuoteAll(labels)}{LabelSet.CaseHint(examples[i].Label, labels)}");
    }

    /// <summary>
    /// The run to resume, when <see cref="ExistingRun.Resume"/>: the artifacts in the directory once set up (their
    /// checkpoint written, no setup mark); else null. A run killed while being set up took no step, so it starts again.
    /// A checkpoint found only as <c>checkpoint.old</c> is a save cut short between its two renames, which
    /// <see cref="TrainingArtifacts.Open"/> recovers: that run is resumed, not started over. Call it under the run's claim.
    /// </summary>
    private static TrainingArtifacts? ExistingRunIn(ExistingRun existingRun, string artifactsDirectory) =>
        existingRun == ExistingRun.Resume && TrainingArtifacts.IsSetUp(artifactsDirectory)
            ? TrainingArtifacts.Open(artifactsDirectory)
            : null;

    /// <summary>Checks, before either is claimed, that the directories are apart and that the export may replace the output directory.</summary>
    /// <exception cref="UserInputException">One directory is inside the other, or the output directory holds what an export may not replace.</exception>
    private static void CheckDirectoriesApart(string output, string outputWhat, string artifacts, string artifactsWhat)
    {
        if (RealPath.IsWithin(artifacts, output) || RealPath.IsWithin(output, artifacts))
            throw new UserInputException($"{outputWhat}: must be a different directory from {artifactsWhat}, neither inside the other");
        DestinationGuard.Check(output, DirectoryLayout.ExportedModel, outputWhat);
        // Before the claims, whose lock files go beside both directories: a parent that takes no files is named here as
        // the option it belongs to, not as a lock file the caller never asked for.
        DestinationGuard.EnsureWritable(artifacts, artifactsWhat);
        DestinationGuard.EnsureWritable(output, outputWhat);
    }

    private static string OutputWhat(TextClassifierTrainingOptions options) => $"{Name(nameof(TextClassifierTrainingOptions.OutputDirectory))} {options.OutputDirectory}";

    private static string ArtifactsWhat(TextClassifierTrainingOptions options) => $"{Name(nameof(TextClassifierTrainingOptions.ArtifactsDirectory))} {options.ArtifactsDirectory}";

    /// <summary>
    /// The labels of a run from <paramref name="initFrom"/>: the model's own, in its order, since its head's rows are
    /// those labels; the data must carry exactly them, and <see cref="TextClassifierTrainingOptions.Labels"/>, given, must
    /// name them in that order. Otherwise <paramref name="labels"/>.
    /// </summary>
    /// <exception cref="UserInputException">The data or the labels given differ from the model's.</exception>
    private static IReadOnlyList<string> LabelsFrom(InitialModel? initFrom, TextClassifierTrainingOptions options, IReadOnlyList<string> labels)
    {
        if (initFrom?.Labels is not { } own) return labels;
        string model = $"the {Name(nameof(TextClassifierTrainingOptions.InitFrom))} model {initFrom.Directory}";
        if (!own.Order(StringComparer.Ordinal).SequenceEqual(labels.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            throw new UserInputException($"{TrainingSource}: labels {PrintableText.QuoteAll(labels)} differ from {model}'s {PrintableText.QuoteAll(own)}; a run from a model keeps its labels");
        if (options.Labels is { } given && !given.SequenceEqual(own, StringComparer.Ordinal))
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.Labels)), string.Join(",", given), $"{model} has {PrintableText.QuoteAll(own)}, in this order, which its head keeps");
        return own.ToArray();
    }

    /// <summary>
    /// The examples the run trains and validates on, holding the validation part out of the training data when none is
    /// given, and their digest (<see cref="DataDigest"/>, over each example's text and label).
    /// </summary>
    /// <exception cref="UserInputException">The training data is too small to hold any example out.</exception>
    private static (IReadOnlyList<LabeledExample> Training, IReadOnlyList<LabeledExample> Validation, DataDigest Digest) Split(
        IReadOnlyList<LabeledExample> training, IReadOnlyList<LabeledExample>? validation, double fraction, int seed)
    {
        double? heldOut = validation is null ? fraction : null;
        if (validation is null) (training, validation) = HoldOut(training, fraction, seed);
        return (training, validation, new DataDigest(ExampleDigest.Of(training), training.Count, ExampleDigest.Of(validation), validation.Count, heldOut));
    }

    private static TokenizedDataset Tokenize(IReadOnlyList<LabeledExample> examples, IReadOnlyList<string> labels, BertTextEncoder encoder,
        CancellationToken cancellationToken)
    {
        var index = labels.Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i, StringComparer.Ordinal);
        return TokenizedDataset.Build(examples.Select(e => (e.Text, index[e.Label])), encoder, cancellationToken);
    }

    /// <summary>
    /// The command line's stratified, seeded split (<see cref="StratifiedSplit"/>) of in-memory examples: each label
    /// keeps its share <paramref name="fraction"/> of its examples for validation, chosen by <paramref name="seed"/>;
    /// both parts keep the examples' order.
    /// </summary>
    /// <exception cref="UserInputException">Every label has a single example, so none can be held out.</exception>
    internal static (IReadOnlyList<LabeledExample> Training, IReadOnlyList<LabeledExample> Validation) HoldOut(
        IReadOnlyList<LabeledExample> examples, double fraction, int seed)
    {
        // The split tells a label's examples apart by their order among that label's; line numbers stand for positions.
        var numbered = examples.Select((e, i) => new LabeledText(e.Text, e.Label, i + 1)).ToArray();
        var split = StratifiedSplit.Create(numbered, TrainingSource, new StratifiedSplitOptions { ValidationFraction = fraction, Seed = seed });
        static LabeledExample[] Plain(IEnumerable<LabeledText> part) => part.Select(e => new LabeledExample(e.Text, e.Label)).ToArray();
        return (Plain(split.Training), Plain(split.Validation));
    }

    /// <summary>
    /// Claims the output directory for the run, as <see cref="ArtifactsClaim"/> claims its artifacts: two runs with their
    /// own artifacts exporting to one directory would each replace the other's model, the last silently winning, so the
    /// second is refused. The lock file is <see cref="ProcessLock.FileBeside"/> the directory, as an artifacts claim's is,
    /// so a run exporting to a directory another run trains in is refused too.
    /// </summary>
    /// <exception cref="UserInputException">Another run holds the directory, or the lock file cannot be created.</exception>
    internal static ProcessLock ClaimOutput(string outputDirectory, string option) =>
        ProcessLock.Acquire(ProcessLock.FileBeside(outputDirectory),
            $"{option} {FullPath(outputDirectory)}: another training run is exporting to it, in this process or another; " +
            "wait for that run to end, or export to another directory");

    internal static string FullPath(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    internal static string Name(string property) => InvalidOptionException.Name<TextClassifierTrainingOptions>(property);

    /// <summary>The observer of a caller that passed none.</summary>
    private sealed class SilentObserver : ITrainingObserver
    {
        public void OnStep(TrainingStepInfo step) { }

        public void OnEvaluation(EvaluationInfo evaluation) { }

        public void OnMessage(string message) { }
    }
}
