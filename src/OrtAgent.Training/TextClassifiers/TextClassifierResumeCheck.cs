using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.BaseModels;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Heads;
using OrtAgent.Training.Losses;
using OrtAgent.Training.Parameters;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

/// <summary>
/// What a call to <see cref="TextClassifierTrainer.Train"/> that resumes a run may ask: what the run's artifacts were
/// built for and with, and the settings it recorded when it began (<see cref="RecordedSettings"/>, which
/// <c>ortagent train</c> writes and reads too). Anything else is refused naming the option, before any step.
/// </summary>
internal static class TextClassifierResumeCheck
{
    private const string TrainingSource = InMemoryExamples.TrainingSource, ValidationSource = InMemoryExamples.ValidationSource;

    /// <summary>
    /// A run is resumed only with what its artifacts were built for (its labels, base model, maximum length and method)
    /// and with the settings it began with (<see cref="RecordedSettings"/>; how often steps are logged may change): a
    /// learning-rate schedule is planned over all the run's steps, so continuing under other settings would give neither
    /// run. A run without the record (artifacts from before 2026-12-04, or made by hand) is resumed with the settings given.
    /// </summary>
    /// <exception cref="UserInputException">The options or the data ask for something else; the message says what the run has.</exception>
    public static void CheckRecorded(TextClassifierTrainingOptions options, TrainingArtifacts resume, RecordedSettings? recorded, IReadOnlyList<string> labels,
        BaseModel baseModel, string baseName, int maxLength)
    {
        var run = resume.Properties;
        string where = $"the run in {resume.Directory}";
        // Its graphs read teacher logits no classifier's data carries, and its export is a student's, with a student's card.
        if (ResumedStudent.IsStudent(resume))
            throw new UserInputException($"{Name(nameof(TextClassifierTrainingOptions.ArtifactsDirectory))} {resume.Directory}: holds a distillation (a student "
                + $"learning from a teacher), not a classifier's training; continue it with {nameof(TextClassifierTrainer)}.{nameof(TextClassifierTrainer.Distill)}, or set ExistingRun to Replace to start a new run there");
        // Their graphs take float targets or a teacher's logits, which a text's one label does not give.
        if (ClassifierRunLosses.WhyNotContinued(run) is { } notAClassifiers)
            throw new UserInputException($"{Name(nameof(TextClassifierTrainingOptions.ArtifactsDirectory))} {resume.Directory}: {notAClassifiers}; "
                + $"{nameof(TextClassifierTrainer)}.{nameof(TextClassifierTrainer.Train)} trains single-label classifiers (loss ce): set ExistingRun to Replace to start a new run there");
        if (!run.Labels.SequenceEqual(labels, StringComparer.Ordinal))
            throw new UserInputException($"{TrainingSource}: labels {PrintableText.QuoteAll(labels)} differ from {where}'s " +
                $"{PrintableText.QuoteAll(run.Labels)}{Otherwise}");
        // A run from a distilled student built on the student's own encoder, which it wrote beside its graphs (the
        // student, InitFrom, is compared below); the base it was given is known by its content (NotTheStudentBase).
        bool ownEncoder = UnixFileStatus.SameFile(run.BaseModel, Path.Combine(resume.Directory, TrainingArtifacts.DerivedEncoderDirectoryName));
        string? builtOn = ownEncoder ? NotTheStudentBase(resume, baseModel, baseName, options.BaseModel)
            : UnixFileStatus.SameFile(baseModel.Directory, run.BaseModel) ? null : run.BaseModel;
        if (builtOn is not null)
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.BaseModel)), options.BaseModel, $"{where} was built on {builtOn}{Otherwise}");
        if (run.MaxLength is int length && length != maxLength)
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.MaxLength)), options.MaxLength, $"{where} was built with {length}{Otherwise}");
        var built = TrainingMethodChoice.MethodOf(resume);
        if (options.Method != TrainingMethod.Auto && options.Method != built)
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.Method)), options.Method,
                $"{where} trains {(built == TrainingMethod.Contrastive ? "contrastively" : "by standard fine-tuning")}{Otherwise}");
        if (recorded is null) return;
        string? initFrom = options.InitFrom is null ? null : FullPath(options.InitFrom);
        if (initFrom != recorded.InitFrom && !(initFrom is not null && recorded.InitFrom is not null && UnixFileStatus.SameFile(initFrom, recorded.InitFrom)))
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.InitFrom)), options.InitFrom,
                $"{where} {(recorded.InitFrom is null ? "records no InitFrom (it began from its base model's weights, or was begun before 2026-12-05, when runs recorded none)" : $"began from {recorded.InitFrom}")}, which a resumed run keeps{Otherwise}");
        // Each method is held to what it reads. A contrastive run reads two fine-tuning settings (the seed, which holds out
        // its validation part, and the metric it reports) beside its own, the temperature only with the supervised
        // contrastive loss (AsRead); a standard run reads no contrastive one.
        var changes = RecordedSettings.Changes(options.FineTuning, recorded.FineTuning);
        if (built == TrainingMethod.Contrastive)
            changes = changes.Where(c => ClassifierTraining.FineTuningReadByContrastive.Any(read => c.Option == FineTuningName(read)))
                .Concat(RecordedSettings.Changes(options.Contrastive.AsRead(), recorded.Contrastive.AsRead()));
        if (changes.FirstOrDefault() is { } change)
            throw new InvalidOptionException(change.Option, change.Given is string or not System.Collections.IEnumerable ? change.Given : Describe(change.Given), $"{where} began with {Describe(change.Recorded)}, which a resumed run keeps{Otherwise}");
    }

    /// <summary>
    /// What a run on a student's own encoder was built on, said by what tells it from <paramref name="baseModel"/>, or null
    /// when that is the base the run was given: the same <c>model.onnx</c> and external data files, byte for byte, as the
    /// run recorded (<see cref="TextClassifierTrainer.StudentBaseRecordFile"/>, <see cref="BaseModelFingerprint"/>), in
    /// whatever folder; another base in a folder of the same name is not, and is told apart by its digest, since the names agree. A run begun before that record
    /// (2026-12-06) is held to the base's name, all it kept.
    /// </summary>
    private static string? NotTheStudentBase(TrainingArtifacts resume, BaseModel baseModel, string baseName, string? given)
    {
        var record = Path.Combine(resume.Directory, TrainingArtifacts.DerivedEncoderDirectoryName, TextClassifierTrainer.StudentBaseRecordFile);
        const string Student = "the encoder of a distilled student";
        if (!File.Exists(record))
            return resume.Properties.BaseModelName == baseName ? null : $"{Student}, with {resume.Properties.BaseModelName} as its base";
        string recorded = File.ReadAllText(record).Trim(), actual = BaseModelFingerprint.Of(baseModel.ModelPath);
        return recorded == actual ? null
            : $"{Student}, with a base whose {ModelContract.ModelFile} has SHA-256 {ModelDigest.Short(recorded)}… ({resume.Properties.BaseModelName}); " +
              $"{given}'s is {ModelDigest.Short(actual)}…";
    }

    /// <summary>
    /// A resumed run trains on the examples it began with, as it recorded them (<see cref="RecordedSettings.Data"/>):
    /// its batches' order and schedule were planned over its training examples and its model is chosen on its
    /// validation examples, while its checkpoint counts them only. So other examples of the same count, a validation
    /// part held out by another <see cref="TextClassifierTrainingOptions.ValidationFraction"/>, or validation examples
    /// given where the run held its own out (or the reverse) are refused. The same examples in new lists resume. A
    /// record without the digests (written before 2026-12-05) is not checked.
    /// </summary>
    /// <exception cref="UserInputException">The examples differ; the message says which and how.</exception>
    public static void CheckData(string fractionOption, double fraction, TrainingArtifacts resume, RecordedSettings? recorded, DataDigest given)
    {
        if (recorded?.Data is not { } began) return;
        string where = $"the run in {resume.Directory}";
        const string Restore = "; train with the examples it began with, or set ExistingRun to Replace to start a new run there";
        if (began.ValidationFraction is null != given.ValidationFraction is null)
            throw new UserInputException(began.ValidationFraction is null
                ? $"{ValidationSource}: none was given, and {where} validates on examples given apart, {began.ValidationExamples} of them; pass them again{Restore}"
                : $"{ValidationSource}: {where} validates on a part held out of its training data; pass no validation examples{Restore}");
        if (began.ValidationFraction is double recordedFraction && given.ValidationFraction != recordedFraction)
            throw new InvalidOptionException(fractionOption, fraction,
                $"{where} began with {InvalidOptionException.Display(recordedFraction)}, which a resumed run keeps{Otherwise}");
        string part = began.ValidationFraction is null ? "" : "its training part: ";
        if (began.TrainingChange(given) is { } training)
            throw new UserInputException($"{TrainingSource}: holds other examples than {where} began with ({part}{training}){Restore}");
        if (began.ValidationChange(given) is { } validation)
            throw new UserInputException(began.ValidationFraction is null
                ? $"{ValidationSource}: holds other examples than {where} began with ({validation}){Restore}"
                : $"{TrainingSource}: holds other examples than {where} began with (its held-out validation part: {validation}){Restore}");
    }

    /// <summary>
    /// A resumed run keeps what its graphs were built with (what <c>ortagent train</c> records in them too): the class
    /// weights of its loss, resolved from the training data as the run began (<see cref="TrainingProperties.ClassWeights"/>),
    /// the head's pooling, its LoRA adapters, and the parameters it freezes.
    /// </summary>
    /// <exception cref="InvalidOptionException">The options ask for something else.</exception>
    public static void CheckBuiltWith(TextClassifierTrainingOptions options, TrainingArtifacts resume, IReadOnlyList<string> labels, IReadOnlyList<float>? classWeights,
        PoolingMode pooling, LoraOptions? lora)
    {
        var run = resume.Properties;
        string where = $"the run in {resume.Directory}";
        if (ClassifierHeadOptions.ShortName(pooling) != run.Pooling)
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.Pooling)), options.Pooling, $"{where} pools with {run.Pooling}{Otherwise}");
        var adapters = run.Lora?.ToOptions();
        if (Describe(lora) != Describe(adapters))
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.Lora)), Describe(options.Lora),
                $"{where} {(adapters is null ? "fine-tunes the whole model, without adapters" : $"has adapters of {Describe(adapters)}")}{Otherwise}");
        if (!LayerRange.WithPatternsOf(options.Freeze, options.FreezeLayers).ToHashSet(StringComparer.Ordinal).SetEquals(run.Freeze))
            throw new InvalidOptionException(Name(options.FreezeLayers is not null ? nameof(TextClassifierTrainingOptions.FreezeLayers) : nameof(TextClassifierTrainingOptions.Freeze)),
                options.FreezeLayers ?? string.Join(",", options.Freeze),
                $"{where} {(run.Freeze.Count == 0 ? "freezes nothing" : $"freezes {string.Join(", ", run.Freeze)}")}{Otherwise}");
        if (!(classWeights ?? []).SequenceEqual(run.ClassWeights ?? []))
            throw new InvalidOptionException(Name(nameof(TextClassifierTrainingOptions.ClassWeights)), options.ClassWeights.Text,
                $"{where} was built with {(run.ClassWeights is { } built ? ClassWeighting.Describe(labels, built) : "none")}{Otherwise}");
    }

    /// <summary>LoRA settings as messages show them, and as two runs are compared: <c>rank 8, α 8, dropout 0, targets query,value</c>; <c>none</c> for none.</summary>
    internal static string Describe(LoraOptions? lora) => lora is null ? "none" : string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"rank {lora.Rank}, α {lora.EffectiveAlpha}, dropout {lora.EffectiveDropout}, targets {string.Join(",", LoraTargetNames.Of(lora.Targets))}");

    /// <summary>A setting as messages show it; a list (<see cref="OrtAgent.Training.Contrastive.ContrastiveOptions.HeadCGrid"/>) item by item.</summary>
    private static string Describe(object? value) => value is System.Collections.IEnumerable items and not string
        ? string.Join(",", items.Cast<object?>().Select(InvalidOptionException.Display))
        : InvalidOptionException.Display(value);

    private static string FineTuningName(string property) => InvalidOptionException.Name<FineTuningOptions>(property);

    private const string Otherwise = "; train with what it has, or set ExistingRun to Replace to start a new run there";

    private static string Name(string property) => TextClassifierTrainer.Name(property);

    private static string FullPath(string path) => TextClassifierTrainer.FullPath(path);
}
