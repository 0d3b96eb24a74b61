using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Parameters;
using OrtAgent.Training.Trainer;

namespace OrtAgent.FineTuning;

/// <summary>
/// A resumed run keeps what its artifacts were built with (base model, maximum length, method, pooling, frozen layers,
/// LoRA adapters): its graphs and checkpoint fix them. An option asking for something else would be silently dropped,
/// so it is refused, naming the option and what the run has; an option left at its default, or given the run's own
/// value (the first command repeated with <c>--resume</c>), is not. The library's resume (<c>TextClassifierResumeCheck</c>)
/// compares the adapters too, but as one setting (<c>TextClassifierTrainingOptions.Lora</c>, rank included); this one
/// names the flag at fault and takes a flag left out (the rank too) for the run's own, so it stays apart. Both take an
/// adapter dropout left out for the run's and refuse another, 0 included (TrainLoraUserPathTests, TextClassifierUnsetSettingsTests).
/// </summary>
internal static class ResumedRunCheck
{
    private static readonly TrainJobOptions Defaults = new();

    /// <exception cref="InvalidOptionException">An option contradicts the artifacts being resumed.</exception>
    /// <exception cref="BaseModelMismatchException">The base asked for is not the one the artifacts were built on.</exception>
    public static void Check(TrainJobOptions options, TrainingArtifacts resumed)
    {
        var run = resumed.Properties;
        string where = $"the run in {resumed.Directory}";
        bool Set<T>(string property, bool differsFromDefault) => options.WasSet(InvalidOptionException.Name<T>(property), differsFromDefault);
        if (options.BaseModel is { } requested && requested != run.BaseModelName && !UnixFileStatus.SameFile(requested, run.BaseModel))
            throw new BaseModelMismatchException(InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.BaseModel)), requested,
                $"{where} was built on {run.BaseModelName ?? run.BaseModel}, which a resumed run keeps", LeaveItOut);
        if (Set<TrainJobOptions>(nameof(TrainJobOptions.MaxLength), options.MaxLength != Defaults.MaxLength) && run.MaxLength is int length && options.MaxLength != length)
            throw Refuse(nameof(TrainJobOptions.MaxLength), options.MaxLength, $"{where} was built with {length}");
        if (Set<TrainJobOptions>(nameof(TrainJobOptions.Pooling), options.Pooling != Defaults.Pooling) && ClassifierHeadOptions.ShortName(options.Pooling) != run.Pooling)
            throw Refuse(nameof(TrainJobOptions.Pooling), ClassifierHeadOptions.ShortName(options.Pooling), $"{where} pools with {run.Pooling}");
        if (run.WeightDecay is { } decay)
            RefuseChange<TrainJobOptions>(nameof(TrainJobOptions.WeightDecay), options.WeightDecay, decay, where, options.WasSet, Defaults.WeightDecay);
        bool pairs = run.Objective == TrainingObjective.PairSimilarity;
        // A contrastive run has no head dropout or label smoothing (its first command took those options and left them
        // unused), so only a standard run's are compared.
        if (!pairs)
        {
            RefuseChange<TrainJobOptions>(nameof(TrainJobOptions.DropoutRatio), options.DropoutRatio, run.DropoutRatio, where, options.WasSet, Defaults.DropoutRatio);
            RefuseChange<TrainJobOptions>(nameof(TrainJobOptions.EncoderDropoutRatio), options.EncoderDropoutRatio, run.EncoderDropoutRatio, where, options.WasSet, Defaults.EncoderDropoutRatio);
            RefuseChange<TrainJobOptions>(nameof(TrainJobOptions.LabelSmoothing), options.LabelSmoothing, run.LabelSmoothing, where, options.WasSet, Defaults.LabelSmoothing);
        }
        if ((options.Method == TrainingMethod.Contrastive && !pairs)
            || (options.Method == TrainingMethod.Standard && pairs && Set<TrainJobOptions>(nameof(TrainJobOptions.Method), options.Method != Defaults.Method)))
            throw Refuse(nameof(TrainJobOptions.Method), options.Method.ToString().ToLowerInvariant(), $"{where} trains {(pairs ? "contrastively" : "by standard fine-tuning")}");
        // Without --lora-rank the run's own rank is resumed (the command left a placeholder); a LoRA option on a run
        // without adapters is refused naming the option given.
        bool rankSet = Set<LoraOptions>(nameof(LoraOptions.Rank), true);
        if (options.Lora is { } lora && run.Lora is null)
            throw GivenLoraOption(options, lora, rankSet, Keeps($"{where} fine-tunes the whole model, without adapters"));
        if (options.Lora is { } ranked && rankSet && run.Lora!.Rank != ranked.Rank)
            throw new InvalidOptionException(InvalidOptionException.Name<LoraOptions>(nameof(LoraOptions.Rank)), ranked.Rank, Keeps($"{where} has adapters of rank {run.Lora.Rank}"));
        if (options.Lora is { } asked && run.Lora is { } adapters)
        {
            var built = adapters.ToOptions();
            if (asked.Alpha is { } alpha && alpha != built.EffectiveAlpha)
                throw new InvalidOptionException(InvalidOptionException.Name<LoraOptions>(nameof(LoraOptions.Alpha)), alpha, Keeps($"{where} has adapters of α {NumberText.Of(built.EffectiveAlpha)}"));
            if (Set<LoraOptions>(nameof(LoraOptions.Targets), asked.Targets != new LoraOptions().Targets) && asked.Targets != built.Targets)
                throw new InvalidOptionException(InvalidOptionException.Name<LoraOptions>(nameof(LoraOptions.Targets)), asked.Targets, Keeps($"{where} adapts {string.Join(",", LoraTargetNames.Of(built.Targets))}"));
            if (asked.Dropout is { } dropout && dropout != built.EffectiveDropout)
                throw new InvalidOptionException(InvalidOptionException.Name<LoraOptions>(nameof(LoraOptions.Dropout)), dropout, Keeps($"{where} was built with adapter dropout {NumberText.Of(built.EffectiveDropout)}"));
        }
        if ((options.Freeze.Count > 0 || options.FreezeLayers is not null) && run.Lora is { } trained)
            throw LoraOptions.FreezeRefusal(InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.Freeze)), options.Freeze,
                InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.FreezeLayers)), options.FreezeLayers, $"{where}, a LoRA run of rank {trained.Rank}");
        if (options.Freeze.Count > 0 || options.FreezeLayers is not null)
        {
            if (!LayerRange.WithPatternsOf(options.Freeze, options.FreezeLayers).ToHashSet(StringComparer.Ordinal).SetEquals(run.Freeze))
                throw Refuse(options.FreezeLayers is not null ? nameof(TrainJobOptions.FreezeLayers) : nameof(TrainJobOptions.Freeze),
                    options.FreezeLayers ?? string.Join(",", options.Freeze),
                    run.Freeze.Count == 0 ? $"{where} freezes nothing" : $"{where} freezes {string.Join(", ", run.Freeze)}");
        }
    }

    /// <summary>The refusal of the first LoRA option the command set (the rank when it was given), with its value.</summary>
    private static InvalidOptionException GivenLoraOption(TrainJobOptions options, LoraOptions lora, bool rankSet, string problem)
    {
        var defaults = new LoraOptions();
        var given = new (string Property, object Value, bool Differs)[]
        {
            (nameof(LoraOptions.Rank), lora.Rank, rankSet),
            (nameof(LoraOptions.Alpha), lora.Alpha!, lora.Alpha is not null),
            (nameof(LoraOptions.Dropout), lora.Dropout!, lora.Dropout is not null),
            (nameof(LoraOptions.Targets), lora.Targets, lora.Targets != defaults.Targets),
        };
        var (property, value, _) = given.FirstOrDefault(g => options.WasSet(InvalidOptionException.Name<LoraOptions>(g.Property), g.Differs), given[0]);
        return new InvalidOptionException(InvalidOptionException.Name<LoraOptions>(property), value, problem);
    }

    /// <summary>
    /// The options with the data the resumed run trained on, when it recorded it: <c>--data</c> and <c>--validation</c>
    /// left out mean that data (not the embedded sample), and a different file is refused, since a resumed run continues
    /// the same epochs over the same examples.
    /// </summary>
    /// <exception cref="InvalidOptionException">A data file other than the one the run trained on.</exception>
    /// <exception cref="UserInputException">No <c>--data</c>, and the run records none (begun before 2026-12-04, or by the library).</exception>
    public static TrainJobOptions WithRecordedData(TrainJobOptions options, TrainingArtifacts resumed)
    {
        // Such a run resumed on the embedded sample, whatever it began with, trained its remaining epochs on it and chose
        // and exported a model by it, without a word (a51a693 mended that only for runs that record their data).
        // Artifacts no step went into and no run recorded data for were generated (ortagent artifacts): there is no data
        // they began with, and the embedded sample's path, inside the program's build output, was no answer.
        if (options.DataPath is null && TrainingDestinations.RecordedData(resumed.Directory) is null && resumed.Properties.Step == 0)
            throw new UserInputException($"--data is needed to train the artifacts in {resumed.Directory}: nothing has trained them yet and they record "
                + "no data file (as 'ortagent artifacts' writes them); give the --data to train them on, and --validation if it has one");
        // One that records no settings either was begun by an older build, and takes this build's defaults for the
        // training flags left out: they are asked for in the same line, not after a run resumed on the wrong schedule.
        if (options.DataPath is null && TrainingDestinations.RecordedData(resumed.Directory) is null)
            throw new UserInputException($"--data is needed to resume the run in {resumed.Directory}: it records no data file " + (File.Exists(Path.Combine(resumed.Directory, TrainingArtifacts.SettingsRecordFile))
                ? $"(begun by the library); give the --data it began with ({DefaultDataset.FilePath} if the embedded sample), and its --validation if it had one"
                : $"and no settings ({UnrecordedSettings.BegunBy}); give the --data it began with ({DefaultDataset.FilePath} if the embedded sample), its --validation "
                  + $"if it had one, and the training flags it began with ({(resumed.Properties.Objective == TrainingObjective.PairSimilarity
                      ? "--pair-rounds, --contrastive-epochs" : "--epochs")}, --min-steps, --lr, --batch-size), where they are not this build's defaults"));
        var (data, validation) = KeepData<TrainJobOptions>(options.DataPath, options.ValidationPath, resumed.Directory);
        return options with { DataPath = data, ValidationPath = validation };
    }

    /// <summary>
    /// The text and label columns of a resumed run (train's or distill's): the ones it named when it began, for a column
    /// not given, so <c>--resume</c> alone reads its data as the run did (it was read by detection, and a file whose
    /// columns had to be named was refused). A column given other than the one the run named is refused, as another
    /// data file is; one given where the run detected its column is held to the examples the run began with (<see cref="CheckData{TOptions}"/>).
    /// </summary>
    /// <exception cref="InvalidOptionException">A column other than the one the run named.</exception>
    internal static (string? Text, string? Label) KeepColumns(string? text, string? label, string artifactsDirectory)
    {
        var (recordedText, recordedLabel) = TrainingDestinations.RecordedColumns(artifactsDirectory);
        string where = $"the run in {artifactsDirectory}";
        if (text is not null && recordedText is not null && text != recordedText)
            throw new InvalidOptionException(InvalidOptionException.Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.TextColumn)), text,
                Keeps($"{where} reads its texts from the column '{recordedText}'"));
        if (label is not null && recordedLabel is not null && label != recordedLabel)
            throw new InvalidOptionException(InvalidOptionException.Name<LabeledTextFileOptions>(nameof(LabeledTextFileOptions.LabelColumn)), label,
                Keeps($"{where} reads its labels from the column '{recordedLabel}'"));
        return (text ?? recordedText, label ?? recordedLabel);
    }

    /// <summary>
    /// The data and validation files of a resumed run (train's or distill's, named by <typeparamref name="TOptions"/>):
    /// those it recorded, when it did, and the given ones otherwise; a file other than the recorded one is refused.
    /// </summary>
    /// <exception cref="InvalidOptionException">A data file other than the one the run trained on.</exception>
    /// <exception cref="UserInputException">A recorded file not given in its place no longer exists; the message asks for its new path.</exception>
    internal static (string? Data, string? Validation) KeepData<TOptions>(string? data, string? validation, string artifactsDirectory)
    {
        if (TrainingDestinations.RecordedData(artifactsDirectory) is not var (recorded, recordedValidation)) return (data, validation);
        string where = $"the run in {artifactsDirectory}";
        // A recorded file moved away was read as it stands and refused as "file not found", naming a path the user never
        // typed. A file given in its place is held to the examples the run began with (CheckData), as any given is.
        if (data is null && !Path.Exists(recorded))
            throw Moved(nameof(TrainJobOptions.DataPath), "data", recorded);
        if (validation is null && recordedValidation is not null && !Path.Exists(recordedValidation))
            throw Moved(nameof(TrainJobOptions.ValidationPath), "validation", recordedValidation);
        if (data is { } given && File.Exists(recorded) && !UnixFileStatus.SameFile(given, recorded))
            throw new InvalidOptionException(InvalidOptionException.Name<TOptions>(nameof(TrainJobOptions.DataPath)), given, Keeps($"{where} trains on {recorded}"));
        if (validation is { } givenValidation && (recordedValidation is null || (File.Exists(recordedValidation) && !UnixFileStatus.SameFile(givenValidation, recordedValidation))))
            throw new InvalidOptionException(InvalidOptionException.Name<TOptions>(nameof(TrainJobOptions.ValidationPath)), givenValidation,
                Keeps(recordedValidation is null ? $"{where} validates on a part held out of its training data" : $"{where} validates on {recordedValidation}"));
        return (data ?? recorded, validation ?? recordedValidation);

        UserInputException Moved(string property, string what, string path)
        {
            string option = InvalidOptionException.Name<TOptions>(property);
            return new($"{option} is needed to resume {where}: its recorded {what} file {path} does not exist; if it was moved, pass {option} NEWPATH");
        }
    }

    /// <summary>
    /// A resumed run (train's or distill's, named by <typeparamref name="TOptions"/>) trains on the examples it began
    /// with: its batches' order and its schedule were planned over them, and its model is chosen on its validation
    /// examples. <see cref="KeepData{TOptions}"/> holds it to the same files; this holds it to their examples, which a
    /// file edited in place (as many rows, other texts or labels) would change unseen, as the checkpoint counts only
    /// them. A file rewritten in another format with the same examples resumes. A run whose record has no digest
    /// (written before 2026-12-05) is not checked.
    /// </summary>
    /// <param name="recorded">The run's recorded settings, or null when it has none.</param>
    /// <param name="given">The examples read for the resumed run.</param>
    /// <param name="dataPath">The training data file read.</param>
    /// <param name="validationPath">The validation data file read, or null when validation is held out of <paramref name="dataPath"/>.</param>
    /// <param name="artifactsDirectory">The run's artifacts, for messages.</param>
    /// <exception cref="InvalidOptionException">The examples differ from those the run began with; the message names the file and what changed.</exception>
    internal static void CheckData<TOptions>(RecordedSettings? recorded, DataDigest given, string dataPath, string? validationPath, string artifactsDirectory)
    {
        if (recorded?.Data is not { } began) return;
        string where = $"the run in {artifactsDirectory}";
        InvalidOptionException Refuse(string property, string file, string what) => new(InvalidOptionException.Name<TOptions>(property), file,
            $"holds other examples than {where} began with ({what}); restore the examples it began with to resume, or start a new run with another --output");
        if (began.TrainingChange(given) is { } training)
            throw Refuse(nameof(TrainJobOptions.DataPath), dataPath, validationPath is null ? $"its training part: {training}" : training);
        if (began.ValidationChange(given) is { } validation)
            throw validationPath is null
                ? Refuse(nameof(TrainJobOptions.DataPath), dataPath, $"its held-out validation part: {validation}")
                : Refuse(nameof(TrainJobOptions.ValidationPath), validationPath, validation);
    }

    /// <summary>
    /// A resumed run's loss keeps the class weights its graphs were built with, resolved from its training data as it
    /// began (<see cref="TrainingProperties.ClassWeights"/>): <c>--class-weights</c> asking for others was dropped without
    /// a word, so it is refused, as the library's resume refuses it (<c>TextClassifierResumeCheck.CheckBuiltWith</c>).
    /// Given as the run has them (the first command repeated), or left out, it resumes. Weights all 1 are no weights.
    /// </summary>
    /// <param name="options">The command's options.</param>
    /// <param name="resumed">The run's artifacts.</param>
    /// <param name="data">
    /// The data read for the resumed run (already checked to be the examples it began with), which <c>balanced</c> resolves
    /// on; null before it is read, when explicit weights are checked against the run's recorded labels (so they are refused
    /// without reading the data), and <c>balanced</c> waits for the call with the data.
    /// </param>
    /// <exception cref="InvalidOptionException">The weights asked for differ from the run's.</exception>
    internal static void CheckClassWeights(TrainJobOptions options, TrainingArtifacts resumed, TrainingData? data)
    {
        string property = InvalidOptionException.Name<TrainJobOptions>(nameof(TrainJobOptions.ClassWeights));
        if (!options.WasSet(property, !options.ClassWeights.IsNone)) return;
        // Each weighting is checked once: explicit weights before the data is read, balanced once it is.
        if (options.ClassWeights.NeedsCounts != (data is not null)) return;
        var labels = data?.Labels ?? resumed.Properties.Labels;
        var asked = options.ClassWeights.Resolve(labels, data?.ExamplesPerLabel(data.Training) ?? new int[labels.Count], property);
        var built = resumed.Properties.ClassWeights;
        IEnumerable<float> Effective(IReadOnlyList<float>? weights) => weights ?? Enumerable.Repeat(1f, labels.Count);
        if (Effective(asked).SequenceEqual(Effective(built))) return;
        throw Refuse(nameof(TrainJobOptions.ClassWeights), options.ClassWeights.Text,
            $"the run in {resumed.Directory} was built with {(built is null ? "none" : ClassWeighting.Describe(labels, built))}");
    }

    /// <summary>
    /// The options with the training loop's settings the resumed run began with (epochs, learning rate, minimum steps,
    /// batch size, the model it keeps…), when it recorded them: the command repeated with <c>--resume</c>, or
    /// <c>--resume</c> alone, continues the same schedule. A setting given otherwise is refused, since it would change
    /// the run half-way (a learning-rate schedule is planned over all its steps); how often steps are logged may change.
    /// </summary>
    /// <exception cref="InvalidOptionException">A setting other than the one the run began with.</exception>
    public static TrainJobOptions WithRecordedSettings(TrainJobOptions options, TrainingArtifacts resumed, RecordedSettings? recorded)
    {
        // What the artifacts fix, so the card describes the run as it is (Check refused any other value given).
        var run = resumed.Properties;
        options = options with
        {
            MaxLength = run.MaxLength ?? options.MaxLength,
            WeightDecay = run.WeightDecay ?? options.WeightDecay,
            DropoutRatio = run.DropoutRatio,
            EncoderDropoutRatio = run.EncoderDropoutRatio,
            LabelSmoothing = run.LabelSmoothing,
        };
        // A run that took steps and records no settings was begun by a build older than 2026-12-04, when LoRA's default
        // rate was full fine-tuning's (LoRA's own came on 2026-12-06): today's, left out, jumped its rate twentyfold at
        // the next step. (A run still at step 0, generated by 'ortagent artifacts', is a new run, at today's.)
        if (recorded is null)
            return run.Lora is not null && run.Step > 0 && options.FineTuning.LearningRate is null
                ? options with { FineTuning = options.FineTuning with { LearningRate = FineTuningOptions.DefaultLearningRate } }
                : options;
        string where = $"the run in {resumed.Directory}";
        // A contrastive run keeps its fine-tuning settings too: the seed splits off its validation part, and the minimum
        // validation size and metric choose its head's C and what a promotion compares.
        if (resumed.Properties.Objective == TrainingObjective.PairSimilarity)
        {
            RefuseChanges(options.Contrastive, recorded.Contrastive, Defaults.Contrastive, where, options.WasSet);
            options = options with { Contrastive = recorded.Contrastive with { LogEverySteps = options.Contrastive.LogEverySteps } };
        }
        return options with { FineTuning = KeepFineTuning(options.FineTuning, recorded.FineTuning, where, options.WasSet) };
    }

    /// <summary>The recorded fine-tuning settings (how often steps are logged as given); a setting given otherwise is refused.</summary>
    /// <exception cref="InvalidOptionException">A setting other than the one the run began with.</exception>
    /// <param name="given">The settings the command asked for.</param>
    /// <param name="recorded">The settings the run began with.</param>
    /// <param name="where">The run, for messages.</param>
    /// <param name="wasSet">Whether a property (<c>Type.Property</c>) was set, given whether it differs from its default.</param>
    internal static FineTuningOptions KeepFineTuning(FineTuningOptions given, FineTuningOptions recorded, string where, Func<string, bool, bool> wasSet)
    {
        RefuseChanges(given, recorded, Defaults.FineTuning, where, wasSet);
        return recorded with { LogEverySteps = given.LogEverySteps };
    }

    /// <summary>Refuses <paramref name="given"/> when it was set (<paramref name="wasSet"/>) to another value than what the run has.</summary>
    /// <exception cref="InvalidOptionException">It was.</exception>
    private static void RefuseChange<TOptions>(string property, object? given, object? recorded, string where, Func<string, bool, bool> wasSet, object? defaultValue)
    {
        if (!wasSet(InvalidOptionException.Name<TOptions>(property), !RecordedSettings.SameSetting(given, defaultValue)) || RecordedSettings.SameSetting(given, recorded)) return;
        throw new InvalidOptionException(InvalidOptionException.Name<TOptions>(property), given!, Keeps($"{where} was built with {Describe(recorded)}"));
    }

    /// <summary>
    /// Refuses a setting set (<paramref name="wasSet"/>) to another value than the one recorded: the library's comparison
    /// (<see cref="RecordedSettings.Changes"/>, which lets how often steps are logged change), narrowed to what was set.
    /// </summary>
    private static void RefuseChanges<T>(T given, T recorded, T defaults, string where, Func<string, bool, bool> wasSet) where T : class
    {
        var changed = RecordedSettings.Changes(given, recorded).ToList();
        if (changed.Count == 0) return;
        var fromDefaults = RecordedSettings.Changes(given, defaults).Select(change => change.Option).ToHashSet(StringComparer.Ordinal);
        if (changed.FirstOrDefault(change => wasSet(change.Option, fromDefaults.Contains(change.Option))) is { } refused)
            throw new InvalidOptionException(refused.Option, refused.Given, Keeps($"{where} began with {Describe(refused.Recorded, refused.Option, recorded)}"));
    }

    // A setting left unset means what its option does without it.
    private static string Describe(object? value, string? option = null, object? recordedSettings = null) => value switch
    {
        null when option == InvalidOptionException.Name<ContrastiveOptions>(nameof(ContrastiveOptions.HeadC)) && recordedSettings is ContrastiveOptions contrastive =>
            ChosenC(contrastive.MinimumValidationToSelect),
        null => "none",
        _ => Cli.OptionFlags.Spell(value).Trim('\''),
    };

    /// <summary>
    /// How a run with no fixed C chooses it (<see cref="HeadSelection.Choose"/>), from the minimum validation size it
    /// recorded: on its validation split, or by cross-validation when that split is smaller. Which of the two it took
    /// depends on the split's size, which the run does not record and which is read only after this check; so both are
    /// said, with the size that decides, rather than one that may be wrong.
    /// </summary>
    private static string ChosenC(int minimumValidation) => minimumValidation == 0
        ? "C chosen on its validation split (--min-validation 0)"
        : $"C chosen on its validation split, or by cross-validation on the training examples when that split is under {minimumValidation} examples (--min-validation)";

    private static InvalidOptionException Refuse(string property, object value, string what) =>
        new(InvalidOptionException.Name<TrainJobOptions>(property), value, Keeps(what));

    private static string Keeps(string what) => $"{what}, which a resumed run keeps; {LeaveItOut}";

    /// <summary>Where the rate of a LoRA run with no settings record comes from, when not given (<see cref="WithRecordedSettings"/>).</summary>
    internal const string UnrecordedLoraRate = "LoRA's default before 2026-12-06, under which the run began";

    /// <summary>What a refusal of an option a resumed run keeps tells to do instead.</summary>
    internal const string LeaveItOut = "leave it out to resume, or start a new run";
}
