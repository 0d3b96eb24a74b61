using OrtAgent.Data;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
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

        var teacher = TeacherModel.Open(options.Teacher);
        teacher.CheckMaxLength(options.MaxLength, DistillationName(nameof(TextClassifierDistillationOptions.MaxLength)));
        var keep = LayerSelection.EvenlySpaced(teacher.Layers, options.Distillation.Layers);
        var labels = teacher.Info.Labels;
        if (training.Count == 0) throw new UserInputException($"{TrainingSource} has no examples");
        CheckLabelled(training, "training example", labels);
        if (validation is not null)
        {
            if (validation.Count == 0) throw new UserInputException($"{ValidationSource} has no examples; pass null to hold out part of the training data instead");
            CheckLabelled(validation, "validation example", labels);
        }
        string outputWhat = DistillationName(nameof(TextClassifierDistillationOptions.OutputDirectory)) + " " + options.OutputDirectory;
        string artifactsWhat = DistillationName(nameof(TextClassifierDistillationOptions.ArtifactsDirectory)) + " " + options.ArtifactsDirectory;
        if (RealPath.IsWithin(options.OutputDirectory, teacher.Directory) || RealPath.IsWithin(teacher.Directory, options.OutputDirectory))
            throw new UserInputException($"{outputWhat}: is the teacher, or a directory holding or held by it; export the student elsewhere");
        CheckDirectoriesApart(options.OutputDirectory, outputWhat, options.ArtifactsDirectory, artifactsWhat);
        int maxLength = options.MaxLength ?? teacher.Info.MaxLength;
        var encoder = BertTextEncoder.Create(teacher.VocabPath, new BertTextEncoderOptions { LowerCase = teacher.Info.LowerCase, MaxLength = maxLength });

        using var claim = ArtifactsClaim.Acquire(options.ArtifactsDirectory);
        using var outputClaim = ClaimOutput(options.OutputDirectory, DistillationName(nameof(TextClassifierDistillationOptions.OutputDirectory)));
        var resume = ExistingRunIn(options.ExistingRun, options.ArtifactsDirectory);
        var recorded = resume is null ? null : RecordedSettings.Read(resume.Directory);
        if (resume is null) TrainingArtifacts.CheckDestination(options.ArtifactsDirectory, artifactsWhat);
        else CheckResumedStudent(options, resume, recorded, teacher, keep, maxLength);

        var (trainingPart, validationPart, digest) = Split(training, validation, options.ValidationFraction, options.FineTuning.Seed);
        if (resume is not null)
            TextClassifierResumeCheck.CheckData(DistillationName(nameof(TextClassifierDistillationOptions.ValidationFraction)), options.ValidationFraction, resume, recorded, digest);
        var trainingSet = Tokenize(trainingPart, labels, encoder, cancellationToken);
        var validationSet = Tokenize(validationPart, labels, encoder, cancellationToken);

        // α = 0 trains on the labels alone: the teacher is only scored, not run over the training texts.
        float alpha = resume?.Properties.DistillationWeight ?? options.Distillation.Alpha;
        var (trainingLogits, teacherReport) = TeacherLogits.Run(teacher, options.Session, alpha > 0f ? trainingSet : null, validationSet, labels,
            encoder.PaddingTokenId, cancellationToken);
        if (trainingLogits is not null) trainingSet = trainingSet.WithTeacherLogits(trainingLogits, labels.Count);

        var artifacts = resume ?? GenerateStudent(options, teacher, keep, maxLength, digest, teacherReport.Accuracy);
        var state = resume is not null && File.Exists(resume.TrainerStatePath) ? TrainerState.Load(resume.TrainerStatePath) : null;
        FineTuningResult result;
        using (var session = TrainingSession.Create(artifacts, options.Session, claim))
            result = new FineTuner(session, options.FineTuning, labels, encoder.PaddingTokenId, observer).Run(trainingSet, validationSet, state, cancellationToken);

        var metrics = RecordableMetrics.Keep(ClassifierTraining.RecordedMetrics(result, options.FineTuning.Metric), observer.OnWarning);
        metrics[DistillationCard.TeacherAccuracyMetric] = teacherReport.Accuracy;
        var info = new ClassifierModelInfo(labels.ToList(), maxLength, teacher.Info.LowerCase, teacher.Info.BaseModel, ModelContract.SingleLabel, metrics);
        var card = ModelCard.FromInfo(info, DistillationCard.Sections(options.FineTuning, options.Distillation, options.WeightDecay, artifacts.Properties, teacher, keep,
            ClassifierTrainingCard.InMemory(labels, training.Count, trainingSet.Count, validationSet.Count, heldOutBySeed: validation is null ? options.FineTuning.Seed : null),
            maxLength, teacherReport, result, withRunLog: false));
        ExportUnlessInPlace(artifacts, result, new ExportOptions { MaxLength = maxLength, LowerCase = teacher.Info.LowerCase, BaseModelName = teacher.Info.BaseModel, Metrics = metrics, ModelCard = card },
            card, state, options.OutputDirectory, cancellationToken);
        return new TextClassifierDistillationResult(options.OutputDirectory, artifacts.Directory, labels, teacher.Layers, keep, resume is not null, teacherReport,
            result.BestReport, options.FineTuning.Metric, result.BestMetric, result.BestStep, result.Steps, result.StoppedEarly, result.Elapsed,
            trainingSet.Count, validationSet.Count);
    }

    /// <summary>
    /// Builds the student's encoder, graphs and starting checkpoint (the teacher's head) in the artifacts directory, with
    /// the records a resumed call checks: the teacher and layers, and the settings and examples the run began with.
    /// Marked until that is done, so a run stopped half-way is started again rather than resumed; a directory that was
    /// not there before is removed when the student cannot be built.
    /// </summary>
    private static TrainingArtifacts GenerateStudent(TextClassifierDistillationOptions options, TeacherModel teacher, IReadOnlyList<int> keep, int maxLength,
        DataDigest digest, double teacherAccuracy)
    {
        bool fresh = !Directory.Exists(options.ArtifactsDirectory);
        try
        {
            TrainingArtifacts.BeginSetup(options.ArtifactsDirectory);
            var artifacts = StudentArtifacts.Generate(teacher, keep, options.Distillation,
                new StudentTrainingSettings(options.FineTuning.Seed, options.DropoutRatio, options.WeightDecay, maxLength, teacher.Info.BaseModel), options.ArtifactsDirectory);
            new StudentRecord(teacher.Directory, keep, teacherAccuracy).Write(artifacts.Directory);
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

    /// <summary>Checks every example's text and label, and that its label is one of the teacher's.</summary>
    /// <exception cref="UserInputException">An example is blank, or its label is not one of <paramref name="labels"/>.</exception>
    private static void CheckLabelled(IReadOnlyList<LabeledExample> examples, string what, IReadOnlyList<string> labels)
    {
        CheckExamples(examples, what);
        for (int i = 0; i < examples.Count; i++)
            if (!labels.Contains(examples[i].Label, StringComparer.Ordinal))
                throw new UserInputException($"{what} {i + 1}: label {PrintableText.Quote(examples[i].Label)} is not one of the teacher's labels " +
                    $"{PrintableText.QuoteAll(labels)}{LabelSet.CaseHint(examples[i].Label, labels)}");
    }

    private static string DistillationName(string property) => InvalidOptionException.Name<TextClassifierDistillationOptions>(property);
}
