using OrtAgent.Data;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Export;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

public static partial class TextClassifierTrainer
{
    /// <summary>Trains on <paramref name="training"/>, validating on <paramref name="validation"/> or on a part held out of the training data, and exports the model.</summary>
    /// <param name="options">The base model, the directories and the training settings.</param>
    /// <param name="training">The examples to train on: at least two labels.</param>
    /// <param name="validation">
    /// The examples to choose and report the model on, with the training data's labels; null holds out
    /// <see cref="TextClassifierTrainingOptions.ValidationFraction"/> of each label's training examples, picked by
    /// <see cref="FineTuningOptions.Seed"/> (the same data and seed hold out the same examples).
    /// </param>
    /// <param name="observer">Receives each step, evaluation, message and warning, on the calling thread; null for none.</param>
    /// <param name="cancellationToken">
    /// Stops the run: while it is set up, before each of its graphs is built (and their backward pass), before they are written and before training
    /// sessions open, leaving the artifacts directory whole (as it was, or the new run's starting checkpoint); while it
    /// trains, at the next step, after a checkpoint.
    /// </param>
    /// <exception cref="UserInputException">An option, the data, a directory or the base model is wrong, or another session trains in the artifacts directory; the message names it.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients were not finite numbers (a <see cref="UserInputException"/>); the step was not applied and nothing is exported.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="training"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled; its checkpoint is written (or none was begun), and calling again resumes it (or begins it).</exception>
    public static TextClassifierTrainingResult Train(TextClassifierTrainingOptions options, IReadOnlyList<LabeledExample> training,
        IReadOnlyList<LabeledExample>? validation = null, ITrainingObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(training);
        options.Validate();
        // Full paths from here on, so the result and every message name the directories as the claims hold them.
        options = options with { ArtifactsDirectory = FullPath(options.ArtifactsDirectory), OutputDirectory = FullPath(options.OutputDirectory) };
        observer ??= new SilentObserver();
        // InitialModel refuses the directory as "{option} {directory}" (its ValueRefusal's subject): the option's refusals.
        string initFromOption = Name(nameof(TextClassifierTrainingOptions.InitFrom));
        var initFrom = options.InitFrom is null ? null : OptionRefusal.Check(initFromOption, options.InitFrom, _ => InitialModel.Open(options.InitFrom, initFromOption));
        var labels = LabelsFrom(initFrom, options, InMemoryExamples.Labels(training, options.Labels));
        // An adapter fixes the run's rank, α and targets, which the options may not contradict.
        var lora = initFrom is null ? options.Lora : initFrom.LoraFor(options.Lora, rankSet: true, targetsSet: true, Name(nameof(TextClassifierTrainingOptions.Lora)));
        if (initFrom is { Adapter: not null } && (options.Freeze.Count > 0 || options.FreezeLayers is not null))
            throw LoraOptions.FreezeRefusal(Name(nameof(TextClassifierTrainingOptions.Freeze)), options.Freeze,
                Name(nameof(TextClassifierTrainingOptions.FreezeLayers)), options.FreezeLayers, $"an adapter as {Name(nameof(TextClassifierTrainingOptions.InitFrom))}");
        if (validation is not null) InMemoryExamples.CheckValidation(validation, labels, "the training labels");
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
        var encoderArchitecture = ownEncoder ?? baseModel.Architecture;
        int maxLength = Math.Min(options.MaxLength, encoderArchitecture.MaxPositions);
        if (MaxLengthNotice.Of(Name(nameof(TextClassifierTrainingOptions.MaxLength)), options.MaxLength, encoderArchitecture.MaxPositions) is { } capped)
            observer.OnMessage(capped);
        bool lowerCase = encoderArchitecture.LowerCase;
        var textOptions = new BertTextEncoderOptions { LowerCase = lowerCase, MaxLength = maxLength };
        // A run on the base tokenizes with the base's vocab.txt, which must be the one the model it starts from was trained with.
        var encoder = ownEncoder is null ? baseModel.CreateRunTextEncoder(textOptions, Name(nameof(TextClassifierTrainingOptions.BaseModel)), options.BaseModel, initFrom?.RecordedVocabulary)
            : initFrom!.CreateTextEncoder(textOptions);
        InMemoryExamples.CheckTokens(training, validation, encoder);

        ClaimedDirectories.CheckApart(options.OutputDirectory, Name(nameof(TextClassifierTrainingOptions.OutputDirectory)),
            options.ArtifactsDirectory, Name(nameof(TextClassifierTrainingOptions.ArtifactsDirectory)));
        using var directories = ClaimedDirectories.Claim(options.ArtifactsDirectory, Name(nameof(TextClassifierTrainingOptions.ArtifactsDirectory)), options.OutputDirectory,
            Name(nameof(TextClassifierTrainingOptions.OutputDirectory)), options.ExistingRun);
        var (resume, recorded) = (directories.Resume, directories.Recorded);
        // Labels left null are the resumed run's own, in its order, as other settings left null take the run's value: the
        // data's labels sorted are another order when the run began with Labels in one of its own (its head's rows).
        if (resume is not null && options.Labels is null && SameLabels(resume.Properties.Labels, labels)) labels = resume.Properties.Labels.ToArray();
        // What only standard fine-tuning reads, as asked: the learning rate resolved below is not one the caller set.
        var standardOnly = TextClassifierStandardOnlySettings.Of(options, initFrom);
        // A rate left unset is the one a resumed run began with, else the default of what the run trains (LoRA's for
        // adapters, as train without --lr): what the run records, compares with its record, trains at and its card shows.
        // A pair seed left unset is the run's one seed, as train --seed sets both; a resumed run's is the one it recorded.
        options = options with
        {
            FineTuning = options.FineTuning.WithLearningRateResolved(loraAdapters: lora is not null, recorded?.FineTuning.LearningRate),
            Contrastive = options.Contrastive.WithSeedFrom(recorded?.Contrastive.Seed ?? options.FineTuning.Seed),
        };
        if (resume is not null) TextClassifierResumeCheck.CheckRecorded(options, resume, recorded, labels, baseModel, baseName, maxLength);
        // A resumed run's weights were trained with the vocabulary its artifacts record, and the run tokenizes with the
        // base's (not a model's own encoder's, which --init-from's record already checked).
        if (ownEncoder is null && resume?.Properties.VocabularySha256 is { } resumedVocabulary)
            encoder = baseModel.CreateRunTextEncoder(textOptions, Name(nameof(TextClassifierTrainingOptions.BaseModel)), options.BaseModel,
                new RecordedVocabulary(resumedVocabulary, $"the run in '{resume.Directory}'"));

        var (trainingPart, validationPart, digest) = InMemoryExamples.Split(training, validation, options.ValidationFraction, options.FineTuning.Seed);
        // Before tokenizing: a resumed run given other examples is refused without that work.
        if (resume is not null) TextClassifierResumeCheck.CheckData(Name(nameof(TextClassifierTrainingOptions.ValidationFraction)), options.ValidationFraction, resume, recorded, digest);
        var trainingSet = InMemoryExamples.Tokenize(trainingPart, labels, encoder, cancellationToken);
        var validationSet = InMemoryExamples.Tokenize(validationPart, labels, encoder, cancellationToken);
        var trainingPerLabel = trainingSet.ExamplesPerLabel(labels.Count);
        var method = resume is not null
            ? TrainingMethodChoice.Resumed(resume, recorded)
            : TrainingMethodChoice.Resolve(options.Method, trainingPerLabel);
        ClassifierTraining.RefuseStandardOnly(standardOnly, method, options.Method, resume?.Directory,
            m => $"{Name(nameof(TextClassifierTrainingOptions.Method))} = {m}");
        if (method.Method == TrainingMethod.Contrastive) options.Contrastive.CheckPairCount(trainingSet.Count);
        // A standard run trains on from the model's head, reading the encoder as that head did; an adapter's run keeps its adapters.
        var startingHead = method.Method == TrainingMethod.Standard ? initFrom?.Head : null;
        var classWeights = options.ClassWeights.Resolve(labels, trainingPerLabel, Name(nameof(TextClassifierTrainingOptions.ClassWeights)));
        var pooling = startingHead is null ? options.Pooling
            : initFrom!.PoolingFor(options.Pooling, options.Pooling != PoolingMode.Mean, Name(nameof(TextClassifierTrainingOptions.Pooling)));
        // A dropout left unset is the one a resumed run's adapters were built with (as the rate is the one it recorded):
        // null means "the default", which a resumed run's is, not 0 to compare against what it has.
        if (resume?.Properties.Lora is { } built && lora is { Dropout: null })
            lora = new LoraOptions { Rank = lora.Rank, Alpha = lora.Alpha, Dropout = built.Dropout, Targets = lora.Targets };
        if (resume is not null) TextClassifierResumeCheck.CheckBuiltWith(options, resume, labels, classWeights, pooling, lora);
        var perLabel = validationSet.ExamplesPerLabel(labels.Count);
        for (int i = 0; i < labels.Count; i++)
            if (perLabel[i] == 0)
                observer.OnWarning($"warning: label {PrintableText.Quote(labels[i])} has no validation example, so nothing checks it");
        // Before training, not at the export that ships it: a resumed run whose artifacts lost their vocab.txt.
        if (resume is not null && RunVocabularyCopy.RestoreFromBase(resume, baseModel) is { } restored) observer.OnMessage(restored);

        var artifacts = resume ?? GenerateRun(options, ClassifierTraining.ArtifactsOptions(new TrainingArtifactsOptions
        {
            BaseModel = baseModel.Directory,
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
            // Marked until set up, so a run killed half-way is started again rather than resumed (ClaimedDirectories.Claim).
            LeaveMarkedForSetup = true,
        }, method.Method, options.Contrastive), method, digest, initFrom, ownEncoder is null ? null : baseModel, cancellationToken);
        // Where the run exports, in the record train --resume reads (OutputRecord), so the command line resumes
        // it into this folder rather than models/<artifacts' name>. Its data, examples in memory, has no record to write.
        OutputRecord.Write(artifacts.Directory, options.OutputDirectory);
        var state = SavedState(resume);
        var sources = ClassifierTrainingCard.InMemory(labels, training.Count, trainingSet, validationSet, heldOutBySeed: validation is null ? options.FineTuning.Seed : null);
        // What its card will say of the method, data and hyperparameters, kept before the first step for an export of the
        // run (ortagent export --checkpoint) before it finishes; an unfinished contrastive run has no head to export.
        if (method.Method == TrainingMethod.Standard)
            artifacts.RecordStartingCard(ModelCard.FromInfo(new ClassifierModelInfo(labels.ToList(), maxLength, lowerCase, baseName, ModelContract.SingleLabel, new Dictionary<string, double>()),
                ClassifierTrainingCard.StartingSections(options.FineTuning, artifacts.Properties.WeightDecay ?? 0, maxLength, artifacts.Properties, sources, method, initFrom?.Describe())));

        FineTuningResult result;
        Contrastive.ContrastiveResult? contrastive;
        // Between the phases that take seconds: the artifacts are whole (the generated run's starting checkpoint, or the
        // resumed run's last), so a stop here leaves a run the same call resumes, with no step-0 save to wait for.
        cancellationToken.ThrowIfCancellationRequested();
        using (var session = TrainingSession.Create(artifacts, options.Session, directories.Artifacts))
        {
            cancellationToken.ThrowIfCancellationRequested();
            (result, contrastive) = ClassifierTraining.Train(session, method.Method, options.FineTuning, options.Contrastive, labels, encoder.PaddingTokenId,
                observer, options.Session, trainingSet, validationSet, state, cancellationToken);
        }
        var metrics = RecordableMetrics.Keep(ClassifierTraining.RecordedMetrics(result, options.FineTuning.Metric), observer.OnWarning);
        // The card train writes, its data named as given in memory.
        var card = ClassifierTrainingCard.Sections(options.FineTuning, options.Contrastive, artifacts.Properties.WeightDecay ?? 0,
            maxLength, artifacts.Properties, sources, result, state?.Step, method, contrastive, withRunLog: false,
            startedFrom: initFrom?.Describe());
        ExportUnlessInPlace(artifacts, result, ClassifierTraining.ExportOptions(metrics, maxLength, lowerCase, baseName, quantizeInt8: options.QuantizeInt8, cardSections: card),
            ModelCard.FromInfo(new ClassifierModelInfo(labels.ToList(), maxLength, lowerCase, baseName, ModelContract.SingleLabel, metrics), card), state, options.OutputDirectory, cancellationToken);
        return new TextClassifierTrainingResult(options.OutputDirectory, artifacts.Directory, labels, method, resume is not null,
            options.FineTuning.Metric, result.BestMetric, result.BestReport, result.BestStep, result.Steps, result.StoppedEarly, result.Elapsed,
            trainingSet.Count, validationSet.Count) { MaxLength = maxLength };
    }

    /// <summary>
    /// Generates a new run's artifacts from <paramref name="artifactsOptions"/>, with the records a later call resumes it
    /// by: the settings and examples it began with (<see cref="RecordedSettings"/>) and the starting weights of
    /// <paramref name="initFrom"/>. Built in memory first, the weights checked against it: a refusal until then leaves a
    /// run already in the artifacts as it was. Marked while it is set up, so a run stopped half-way is started again
    /// rather than resumed; a directory that was not there before is removed when the run cannot be set up.
    /// </summary>
    /// <param name="options">The facade's options, with full paths.</param>
    /// <param name="artifactsOptions">The artifacts' options, built on the base model's own directory.</param>
    /// <param name="method">The resolved method and why.</param>
    /// <param name="digest">What identifies the examples.</param>
    /// <param name="initFrom">The model whose weights start the run; null for the base model's.</param>
    /// <param name="studentBase">
    /// The base a distilled student, <paramref name="initFrom"/>, was cut from, when the run trains on the student's own
    /// encoder (<see cref="OwnEncoder"/>), which then replaces the base in <paramref name="artifactsOptions"/>; else null.
    /// </param>
    /// <param name="cancellationToken">
    /// Looked at before each graph is built (and the backward pass) and again before anything is written: a stop then leaves the artifacts
    /// directory as it was, where it waited for the graphs and a step-0 checkpoint.
    /// </param>
    private static TrainingArtifacts GenerateRun(TextClassifierTrainingOptions options, TrainingArtifactsOptions artifactsOptions, TrainingMethodChoice method,
        DataDigest digest, InitialModel? initFrom, BaseModel? studentBase, CancellationToken cancellationToken)
    {
        bool fresh = !Directory.Exists(options.ArtifactsDirectory);
        TrainingArtifacts artifacts;
        try
        {
            var encoder = studentBase is null ? null : OwnEncoder(initFrom!, studentBase);
            if (encoder is not null)
                artifactsOptions = artifactsOptions with { BaseModel = Path.Combine(options.ArtifactsDirectory, TrainingArtifacts.DerivedEncoderDirectoryName) };
            artifacts = TrainingArtifacts.Generate(artifactsOptions, options.ArtifactsDirectory, encoder, initFrom is null ? null : initFrom.StartFrom,
                cancellationToken.ThrowIfCancellationRequested, cancellationToken);
            // What the run's graphs do not fix, for a later call to keep (TextClassifierResumeCheck): the record train --resume reads.
            new RecordedSettings(options.FineTuning, options.Contrastive, method.Reason, options.InitFrom is null ? null : FullPath(options.InitFrom), digest,
                initFrom?.Describe()).Write(artifacts.Directory);
        }
        catch (UserInputException ex)
        {
            // A student's encoder that builds no graphs, weights that do not fit them (a model of another base): nothing is
            // left behind, and a run that was in the directory before is kept as it was.
            if (fresh) BestEffortDelete.Directory(options.ArtifactsDirectory, recursive: true);
            // The graph builder names the artifacts' options; the caller set this facade's.
            if (ex is InvalidOptionException invalid && OwnFreezeOption(invalid.Option) is { } own)
                throw new InvalidOptionException(Name(own), invalid.Value, invalid.Problem, invalid);
            throw;
        }
        TrainingArtifacts.CompleteSetup(artifacts.Directory);
        return artifacts;
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
    /// A distilled student's own encoder, every layer of it, as the run's base, written into the run's artifacts
    /// directory (as <c>train --init-from</c> does) once the run is built. Beside it goes the SHA-256 of the base the run
    /// was given (<see cref="StudentBaseRecordFile"/>): the graphs never read that base, which only checks the student's
    /// layers, so a resumed call is held to it by content, in whatever folder it is found (a name fits another base too).
    /// </summary>
    private static DerivedEncoder OwnEncoder(InitialModel student, BaseModel baseModel)
    {
        var encoder = student.OwnEncoder();
        string fingerprint = BaseModelFingerprint.Of(baseModel.ModelPath) + "\n";
        return encoder with
        {
            Write = directory =>
            {
                encoder.Write(directory);
                AtomicFile.WriteAllText(Path.Combine(directory, StudentBaseRecordFile), fingerprint);
            },
        };
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
        if (!SameLabels(own, labels))
            throw new UserInputException($"{InMemoryExamples.TrainingSource}: labels {PrintableText.QuoteAll(labels)} differ from {model}'s {PrintableText.QuoteAll(own)}; a run from a model keeps its labels");
        if (options.Labels is { } given && !given.SequenceEqual(own, StringComparer.Ordinal))
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.Labels)), string.Join(",", given), $"{model} has {PrintableText.QuoteAll(own)}, in this order, which its head keeps");
        return own.ToArray();
    }

    // The same labels, in whatever order.
    private static bool SameLabels(IReadOnlyList<string> some, IReadOnlyList<string> others) =>
        some.Order(StringComparer.Ordinal).SequenceEqual(others.Order(StringComparer.Ordinal), StringComparer.Ordinal);
}
