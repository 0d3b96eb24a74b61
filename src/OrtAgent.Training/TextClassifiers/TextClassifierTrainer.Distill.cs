using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Training.TextClassifiers;

public static partial class TextClassifierTrainer
{
    /// <summary>
    /// Distils a fine-tuned classifier into a smaller student and exports it, in one call: what <c>ortagent distill</c>
    /// does, for a .NET program. The student keeps <see cref="DistillationOptions.Layers"/> of the teacher's encoder
    /// layers (<see cref="LayerSelection"/>), its embeddings and its trained head, and is fine-tuned on the teacher's
    /// softened logits mixed with the labels. The teacher runs once over the examples; its validation accuracy is
    /// reported beside the student's, in the result and on the model card.
    /// </summary>
    /// <param name="options">The teacher, the directories and the distillation and training settings.</param>
    /// <param name="training">The examples to train on, labelled with the teacher's labels (not every label need appear).</param>
    /// <param name="validation">
    /// The examples to choose and report the student on, labelled with the teacher's labels; null holds out
    /// <see cref="TextClassifierDistillationOptions.ValidationFraction"/> of each label's training examples, picked by
    /// <see cref="FineTuningOptions.Seed"/>.
    /// </param>
    /// <param name="observer">Receives each step, evaluation, message and warning, on the calling thread; null for none.</param>
    /// <param name="cancellationToken">Stops training at the next step, after a checkpoint.</param>
    /// <exception cref="UserInputException">
    /// An option, the data or a directory is wrong; the teacher is missing or not a distillable classifier (an fp32,
    /// single-label OrtAgent export fine-tuned by standard fine-tuning); the run found in the artifacts directory is not
    /// this distillation; or another session trains there. Thrown before anything is written; the message names it.
    /// </exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients were not finite numbers; the step was not applied and nothing is exported.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or <paramref name="training"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled; its checkpoint is written, and calling again resumes it.</exception>
    public static TextClassifierDistillationResult Distill(TextClassifierDistillationOptions options, IReadOnlyList<LabeledExample> training,
        IReadOnlyList<LabeledExample>? validation = null, ITrainingObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(training);
        options.Validate();
        options = options with { ArtifactsDirectory = FullPath(options.ArtifactsDirectory), OutputDirectory = FullPath(options.OutputDirectory) };
        observer ??= new SilentObserver();
        using (options.Session.CreateSessionOptions()) { }

        var teacher = TeacherModel.Open(options.Teacher, DistillationName(nameof(TextClassifierDistillationOptions.Teacher)));
        teacher.CheckMaxLength(options.MaxLength, DistillationName(nameof(TextClassifierDistillationOptions.MaxLength)));
        var keep = LayerSelection.EvenlySpaced(teacher.Layers, options.Distillation.Layers);
        var labels = teacher.Info.Labels;
        if (training.Count == 0) throw new UserInputException($"{InMemoryExamples.TrainingSource} has no examples");
        InMemoryExamples.CheckLabelled(training, "training example", labels, TeachersLabels);
        if (validation is not null) InMemoryExamples.CheckValidation(validation, labels, TeachersLabels);
        string outputOption = DistillationName(nameof(TextClassifierDistillationOptions.OutputDirectory));
        string artifactsOption = DistillationName(nameof(TextClassifierDistillationOptions.ArtifactsDirectory));
        OptionRefusal.Check(outputOption, options.OutputDirectory, what => teacher.CheckStudentOutput(options.OutputDirectory, what));
        ClaimedDirectories.CheckApart(options.OutputDirectory, outputOption, options.ArtifactsDirectory, artifactsOption);
        var encoder = teacher.CreateEncoder(options.MaxLength);
        int maxLength = encoder.MaxLength;
        InMemoryExamples.CheckTokens(training, validation, encoder);

        using var directories = ClaimedDirectories.Claim(options.ArtifactsDirectory, artifactsOption, options.OutputDirectory, outputOption, options.ExistingRun);
        var (resume, recorded) = (directories.Resume, directories.Recorded);
        // A rate left unset is the one a resumed run began with, else full fine-tuning's: the student trains all its weights.
        options = options with { FineTuning = options.FineTuning.WithLearningRateResolved(loraAdapters: false, recorded?.FineTuning.LearningRate) };
        if (resume is not null) CheckResumedStudent(options, resume, recorded, teacher, keep, maxLength);

        var (trainingPart, validationPart, digest) = InMemoryExamples.Split(training, validation, options.ValidationFraction, options.FineTuning.Seed);
        if (resume is not null)
            TextClassifierResumeCheck.CheckData(DistillationName(nameof(TextClassifierDistillationOptions.ValidationFraction)), options.ValidationFraction, resume, recorded, digest);
        var trainingSet = InMemoryExamples.Tokenize(trainingPart, labels, encoder, cancellationToken);
        var validationSet = InMemoryExamples.Tokenize(validationPart, labels, encoder, cancellationToken);
        var cardData = ClassifierTrainingCard.InMemory(labels, training.Count, trainingSet, validationSet,
            heldOutBySeed: validation is null ? options.FineTuning.Seed : null);
        // Before the teacher's pass and training, not at the export that ships it: a resumed student whose artifacts lost their vocab.txt.
        if (resume is not null && RunVocabularyCopy.RestoreFromTeacher(resume, teacher) is { } restored) observer.OnMessage(restored);
        return DistillPrepared(new PreparedDistillation(options, teacher, keep, maxLength, encoder.PaddingTokenId, trainingSet, validationSet, digest, cardData, resume, directories.Artifacts),
            observer, log: null, cancellationToken);
    }

    /// <summary>
    /// The run of a prepared distillation, for this facade and <c>ortagent distill</c> alike: the teacher over the data
    /// once (its logits for the loss, its validation report), the student built (<see cref="GenerateStudent"/>) or
    /// reopened, trained, and exported with its card, unless a finished run's export is in place already.
    /// </summary>
    /// <param name="run">What the caller checked and read.</param>
    /// <param name="observer">Receives the run's messages, and each step and evaluation when <paramref name="log"/> does not take them.</param>
    /// <param name="log">What the caller keeps of the run beside the student; null for nothing.</param>
    /// <param name="cancellationToken">Stops training at the next step, after a checkpoint.</param>
    internal static TextClassifierDistillationResult DistillPrepared(PreparedDistillation run, ITrainingObserver observer, IDistillationRunLog? log,
        CancellationToken cancellationToken)
    {
        var (options, teacher, keep, maxLength) = (run.Options, run.Teacher, run.KeptLayers, run.MaxLength);
        var labels = teacher.Info.Labels;
        var resume = run.Resume;
        // Said before the long pass, while a stop still keeps what the new run would replace (nothing changes before the student is built).
        if (resume is null) log?.NewRunStarting(options.ArtifactsDirectory);
        observer.OnMessage("Running the teacher over the training and validation texts ...");
        // α = 0 trains on the labels alone: the teacher is only scored, not run over the training texts.
        float alpha = resume?.Properties.DistillationWeight ?? options.Distillation.Alpha;
        var (trainingLogits, teacherReport) = TeacherLogits.Run(teacher, options.Session, alpha > 0f ? run.Training : null, run.Validation, labels,
            run.PaddingTokenId, cancellationToken);
        observer.OnMessage(FormattableString.Invariant($"Teacher validation accuracy: {teacherReport.Accuracy:F4}"));
        var trainingSet = trainingLogits is null ? run.Training : run.Training.WithTeacherLogits(trainingLogits, labels.Count);

        TrainingArtifacts artifacts;
        if (resume is not null)
        {
            artifacts = resume;
            // A teacher moved since the run began (ResumedStudent knew it by its digest) is recorded where it is now, so
            // that the next resume, and an export of the checkpoint, find and name it there.
            var student = StudentRecord.Read(artifacts.Directory);
            if (student is not null && !UnixFileStatus.SameFile(student.Teacher, teacher.Directory))
                (student with { Teacher = teacher.Directory }).Write(artifacts.Directory);
            // A student from before the record (2026-12-04) is recorded with the teacher it resumes with and the layers
            // its parameters showed (ResumedStudent held the call to them), so a later resume needs neither given again.
            if (student is null)
                new StudentRecord(teacher.Directory, keep, teacherReport.Accuracy) { TeacherDigest = teacher.Digest() }.Write(artifacts.Directory);
            OutputRecord.Write(artifacts.Directory, options.OutputDirectory);
            // A run begun by a build older than 2026-12-04 records no settings: it records those it resumes with, so
            // later resumes keep them rather than take whatever defaults those builds have.
            if (!File.Exists(Path.Combine(artifacts.Directory, TrainingArtifacts.SettingsRecordFile)))
                new RecordedSettings(options.FineTuning.WithLearningRateResolved(loraAdapters: false), new Contrastive.ContrastiveOptions(), Data: run.Digest)
                    .Write(artifacts.Directory);
            log?.Record(artifacts.Directory, isNew: false);
        }
        else
        {
            observer.OnMessage($"Building the student and its training graphs in {options.ArtifactsDirectory} ...");
            artifacts = GenerateStudent(options, teacher, keep, maxLength, run.Digest, teacherReport.Accuracy, log, cancellationToken);
        }
        // What its card will say of the teacher, the data and the hyperparameters, kept before the first step as train
        // keeps its: the card is written once the run has trained, and an export of it stopped, killed or still training
        // (ortagent export --checkpoint) had only its labels, metrics, teacher and layers. Kept again by a resumed run,
        // whose first call may predate the record.
        artifacts.RecordStartingCard(ModelCard.FromInfo(
            new ClassifierModelInfo(labels.ToList(), maxLength, teacher.Info.LowerCase, teacher.Info.BaseModel, ModelContract.SingleLabel, new Dictionary<string, double>()),
            DistillationCard.StartingSections(options.FineTuning, options.Distillation, options.WeightDecay, artifacts.Properties, teacher, keep, run.CardData, maxLength)));
        var state = SavedState(resume);
        // A finished run's state is past its last epoch ("at epoch 101" of 100): said as finished, as train says it.
        if (state is not null)
            observer.OnMessage(state.Finished
                ? $"The run in {artifacts.Directory} finished at step {state.Step}: nothing is left to train, so its student is only exported " +
                  $"({InvalidOptionException.Name<FineTuningOptions>(nameof(FineTuningOptions.Epochs))} does not extend a finished run)."
                : $"Resuming {artifacts.Directory} at epoch {state.Epoch}, step {state.Step}.");
        FineTuningResult Train(ITrainingObserver steps)
        {
            using var session = TrainingSession.Create(artifacts, options.Session, run.Claim);
            return new FineTuner(session, options.FineTuning, labels, run.PaddingTokenId, steps).Run(trainingSet, run.Validation, state, cancellationToken);
        }
        var result = log is null ? Train(observer) : log.Train(artifacts.Directory, state?.Step, options.FineTuning.Metric, Train);

        var metrics = RecordableMetrics.Keep(ClassifierTraining.RecordedMetrics(result, options.FineTuning.Metric), observer.OnWarning);
        metrics[DistillationCard.TeacherAccuracyMetric] = teacherReport.Accuracy;
        var info = new ClassifierModelInfo(labels.ToList(), maxLength, teacher.Info.LowerCase, teacher.Info.BaseModel, ModelContract.SingleLabel, metrics);
        var card = ModelCard.FromInfo(info, DistillationCard.Sections(options.FineTuning, options.Distillation, options.WeightDecay, artifacts.Properties, teacher, keep,
            run.CardData, maxLength, teacherReport, result, state?.Step, withRunLog: log is not null));
        var export = ClassifierTraining.ExportOptions(metrics, maxLength, teacher.Info.LowerCase, teacher.Info.BaseModel, modelCard: card, extraFiles: log?.Files(artifacts.Directory));
        bool exported = ExportUnlessInPlace(artifacts, result, export, card, state, options.OutputDirectory, cancellationToken);
        string kept = options.FineTuning.SelectsOnValidation(run.Validation.Count) ? "best" : "last";
        observer.OnMessage(exported
            ? $"Exported the {kept} student (step {result.BestStep}) to {options.OutputDirectory}"
            : $"Kept the {kept} student (step {result.BestStep}) exported to {options.OutputDirectory} as it is: the run had finished, and the same model is there");
        return new TextClassifierDistillationResult(options.OutputDirectory, artifacts.Directory, labels, teacher.Layers, keep, resume is not null, teacherReport,
            result.BestReport, options.FineTuning.Metric, result.BestMetric, result.BestStep, result.Steps, result.StoppedEarly, result.Elapsed,
            trainingSet.Count, run.Validation.Count);
    }

    /// <summary>
    /// Builds the student's encoder, graphs and starting checkpoint (the teacher's head), then sets them up in the
    /// artifacts directory with the records a resumed call checks: the teacher and layers, and the settings and examples
    /// the run began with (and the caller's own, <see cref="IDistillationRunLog.Record"/>).
    /// Built in memory first: a stop, a refusal or a kill until then leaves a run already in the artifacts as it was,
    /// to resume. Marked while it is set up, so a run stopped half-way is started again rather than resumed; a directory
    /// that was not there before is removed when the student cannot be set up.
    /// </summary>
    private static TrainingArtifacts GenerateStudent(TextClassifierDistillationOptions options, TeacherModel teacher, IReadOnlyList<int> keep, int maxLength,
        DataDigest digest, double teacherAccuracy, IDistillationRunLog? log, CancellationToken cancellationToken)
    {
        bool fresh = !Directory.Exists(options.ArtifactsDirectory);
        try
        {
            // The stop looked at before each part of the build and once the student is built: the last moment the run there is still as it was.
            var artifacts = StudentArtifacts.GenerateReplacing(teacher, keep, options.Distillation,
                new StudentTrainingSettings(options.FineTuning.Seed, options.DropoutRatio, options.WeightDecay, maxLength, teacher.Info.BaseModel), options.ArtifactsDirectory,
                cancellationToken);
            new StudentRecord(teacher.Directory, keep, teacherAccuracy) { TeacherDigest = teacher.Digest() }.Write(artifacts.Directory);
            // Where the student goes, in the record distill --resume reads (as Train keeps its), so the command line
            // resumes a run this facade began into its OutputDirectory rather than models/<artifacts' name>.
            OutputRecord.Write(artifacts.Directory, options.OutputDirectory);
            log?.Record(artifacts.Directory, isNew: true);
            new RecordedSettings(options.FineTuning, new Contrastive.ContrastiveOptions(), Data: digest).Write(artifacts.Directory);
            TrainingArtifacts.CompleteSetup(artifacts.Directory);
            return artifacts;
        }
        catch (UserInputException)
        {
            if (fresh) BestEffortDelete.Directory(options.ArtifactsDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// A resumed distillation keeps what its student was built from and with (<see cref="ResumedStudent"/>: the teacher,
    /// the layers kept, α, the temperature, the maximum length, dropout and weight decay) and the training settings it
    /// began with: continuing under others would give neither run. This facade asks for every value, so any other than
    /// the run's is refused naming the option.
    /// </summary>
    /// <exception cref="UserInputException">The run there is no distillation of this teacher, or an option differs from what it has.</exception>
    private static void CheckResumedStudent(TextClassifierDistillationOptions options, TrainingArtifacts resume, RecordedSettings? recorded, TeacherModel teacher,
        IReadOnlyList<int> keep, int maxLength)
    {
        const string Replace = "set ExistingRun to Replace to start a new run there", Otherwise = "distil with what it has, or " + Replace;
        ResumedStudent.Check<TextClassifierDistillationOptions>(resume, $"{DistillationName(nameof(TextClassifierDistillationOptions.ArtifactsDirectory))} {resume.Directory}",
            teacher, keep, new ResumedStudent.Settings(options.Distillation.Alpha, options.Distillation.Temperature, maxLength, options.DropoutRatio, options.WeightDecay),
            (option, _) => option is null ? Replace : Otherwise);
        if (recorded is not null && RecordedSettings.Changes(options.FineTuning, recorded.FineTuning).FirstOrDefault() is { } change)
            throw new InvalidOptionException(change.Option, change.Given,
                $"the run in {resume.Directory} began with {InvalidOptionException.Display(change.Recorded)}, which a resumed run keeps; {Otherwise}");
    }

    private const string TeachersLabels = "the teacher's labels";

    private static string DistillationName(string property) => InvalidOptionException.Name<TextClassifierDistillationOptions>(property);
}
