using OrtAgent.Cli;
using OrtAgent.Data;
using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.TextClassifiers;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.Distillation;

/// <summary>
/// <c>ortagent distill</c>: <see cref="Prepare"/> checks the options, the teacher and the destinations before anything
/// is written, reopens a run to resume (taking what it recorded for the options not given), and reads the data files
/// with the teacher's tokenizer; <see cref="TextClassifierTrainer.DistillPrepared"/> then runs the distillation as its facade does (the
/// teacher over the data once, the student built or reopened, trained by the same <see cref="FineTuner"/> loop as
/// <c>train</c>, exported with a card comparing the two), with <see cref="RunLog"/> keeping the command's records,
/// <c>metrics.jsonl</c> and the training curve. <c>error</c> is the command line's stderr, for the warning a new run
/// gives before it replaces an unfinished one; <c>stopNotice</c>, what its Ctrl+C says.
/// </summary>
internal sealed class DistillationJob(Microsoft.Extensions.Options.IOptions<OrtAgentPaths> paths, IAnsiConsole console, ErrorOutput? error = null,
    StopNotice? stopNotice = null) : IDistillationJob
{
    public async Task<TextClassifierDistillationResult> RunAsync(DistillJobOptions options, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the run is CPU-bound; the caller's context is not held while it prepares
        var (run, log, outputClaim) = Prepare(options, cancellationToken);
        using (run.Claim)
        using (outputClaim)
        {
            try
            {
                var result = TextClassifierTrainer.DistillPrepared(run, new ConsoleTrainingObserver(console, stderr: error?.Writer), log, cancellationToken);
                // The student is in place: what a stop said of the export is no longer so.
                stopNotice?.Reset();
                return result;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && log.TrainingFinished)
            {
                log.SayExportStopped();
                throw;
            }
        }
    }

    /// <summary>
    /// Everything before the teacher runs, in the command line's terms: the options, the teacher, the destinations, a
    /// resumed run's checks (it takes what it recorded for an option not given) and the data files, read and checked;
    /// then the artifacts and the output are claimed. The caller disposes the prepared run's claim and the output's.
    /// </summary>
    private (PreparedDistillation Run, RunLog Log, ProcessLock OutputClaim) Prepare(DistillJobOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        var settings = options.Session;
        using (settings.CreateSessionOptions()) { }
        var teacher = TeacherModel.Open(options.Teacher, InvalidOptionException.Name<DistillJobOptions>(nameof(DistillJobOptions.Teacher)));
        teacher.CheckMaxLength(options.MaxLength, InvalidOptionException.Name<DistillJobOptions>(nameof(DistillJobOptions.MaxLength)));
        var keep = LayerSelection.EvenlySpaced(teacher.Layers, options.Distillation.Layers);
        // A resumed run exports where it was exporting, as train's does, unless told otherwise.
        var output = options.OutputDirectory is null && options.ResumeFrom is not null && TrainingDestinations.RecordedOutput(options.ResumeFrom) is { } recordedOutput
            ? recordedOutput
            : options.ResolveOutputDirectory();
        teacher.CheckStudentOutput(output, $"--output {output}");
        if (options.ResumeFrom is { } resumed)
            stopNotice?.BeforeResumedTraining(resumed, TrainingDestinations.ResumeCommand("distill", resumed, settings));
        else
            stopNotice?.BeforeTraining(output);
        var artifactsDirectory = options.ResumeFrom
            ?? Path.Combine(paths.Value.ArtifactsRoot, TrainingDestinations.ArtifactsNameFor(output));
        // Before the data files given are checked, which reads their headers by these columns.
        if (options.ResumeFrom is { } resumeFrom)
        {
            var (textColumn, labelColumn) = ResumedRunCheck.KeepColumns(options.TextColumn, options.LabelColumn, resumeFrom);
            options = options with { TextColumn = textColumn, LabelColumn = labelColumn };
        }
        // A resumed run claims its artifacts before opening them: the data files given are checked first, as train's are.
        var columns = new LabeledTextFileOptions { TextColumn = options.TextColumn, LabelColumn = options.LabelColumn };
        var (claim, checkedData) = TrainingDestinations.CheckThenClaimIfResuming(output, artifactsDirectory, paths.Value.ArtifactsRootSetting, options.ResumeFrom,
            options.DataPath, options.ValidationPath, columns, options.FineTuning.Seed, artifactsRootOptionApplies: paths.Value.ArtifactsRootOptionApplies);
        ProcessLock? outputClaim = null;
        try
        {
            var resume = options.ResumeFrom is null ? null : TrainingArtifacts.Open(options.ResumeFrom);
            RecordedSettings? recorded = null;
            if (resume is not null)
            {
                ResumedStudent.Check<DistillJobOptions>(resume, ResumeWhat(options.ResumeFrom!), teacher, keep, AskedOf(options), Remedy);
                recorded = RecordedSettings.Read(resume.Directory);
                options = WithWhatTheRunKeeps(options, resume, recorded);
            }
            var (dataPath, validationPath, textColumn, labelColumn) = DataFor(options, teacher);
            columns = new LabeledTextFileOptions { TextColumn = textColumn, LabelColumn = labelColumn };

            var encoder = teacher.CreateEncoder(options.MaxLength);
            int maxLength = encoder.MaxLength;
            console.MarkupLine(Markup.Escape($"Reading {dataPath} ..."));
            var data = TrainingData.Load(dataPath, validationPath, columns, encoder, options.FineTuning.Seed, (teacher.Info.Labels, $"the teacher {teacher.Directory}"),
                cancellationToken, checkedFiles: checkedData);
            if (resume is not null) ResumedRunCheck.CheckData<DistillJobOptions>(recorded, data.Digest, dataPath, validationPath, resume.Directory);
            // An older build's run: its schedule is checked against the rate it logged, and what it takes is said (the
            // library records it as the run resumes).
            if (resume is not null && recorded is null && resume.Properties.Step > 0)
            {
                options = options with { FineTuning = options.FineTuning.WithLearningRateResolved(loraAdapters: false) };
                if (UnrecordedSettings.ForDistill(options.FineTuning, options.Given, resume, data.Training.Count) is { } unrecorded)
                {
                    if (error is not null) error.Writer.WriteLine(unrecorded);
                    else console.MarkupLine(Markup.Escape(unrecorded));
                }
            }
            console.MarkupLine(Markup.Escape(data.Summary()));
            if (data.CutNotice(maxLength) is { } cut) console.MarkupLine(Markup.Escape(cut));
            // On stderr, as train's (console for a caller without one).
            foreach (var warning in data.Warnings())
            {
                if (error is not null) error.Writer.WriteLine(warning);
                else console.MarkupLine(Markup.Escape(warning));
            }
            console.MarkupLine(Markup.Escape($"Teacher {teacher.Directory}: {teacher.Layers} layers; the student keeps {(keep.Count == 1 ? $"layer {keep[0]} (as 0)" : $"{string.Join(", ", keep)} (as 0-{keep.Count - 1})")}."));

            // Claimed before the teacher runs over the data, once the data and options are checked: a refused run leaves
            // nothing behind, and a second run into the same artifacts is refused before that long pass. The output too,
            // as the facade claims it: a run with other artifacts (another --artifacts-root) exporting there would
            // replace this run's student, or this run its.
            claim ??= TrainingDestinations.ClaimArtifacts(artifactsDirectory);
            outputClaim = TrainingDestinations.ClaimOutput(output);
            // A resumed student whose artifacts lost the vocab.txt its export ships gets its teacher's back now, or is
            // refused now: its export refused only once every remaining epoch was trained.
            if (resume is not null && RunVocabularyCopy.RestoreFromTeacher(resume, teacher) is { } restored) error?.Writer.WriteLine(restored);
            // Read under the claim; said as the new run starts, before the teacher's pass (RunLog.NewRunStarting).
            string? unfinished = resume is null && error is not null ? TrainingDestinations.ReplacedRunWarning("distill", artifactsDirectory, settings) : null;
            var run = new TextClassifierDistillationOptions
            {
                Teacher = teacher.Directory,
                ArtifactsDirectory = artifactsDirectory,
                OutputDirectory = output,
                Distillation = options.Distillation,
                FineTuning = options.FineTuning,
                MaxLength = maxLength,
                DropoutRatio = options.DropoutRatio,
                WeightDecay = options.WeightDecay,
                Session = settings,
            };
            return (new PreparedDistillation(run, teacher, keep, maxLength, encoder.PaddingTokenId, data.Training, data.Validation, data.Digest,
                ModelCardText.Sources(data, textColumn, labelColumn), resume, claim), new RunLog(console, output, dataPath, validationPath, columns, settings,
                    unfinished is null ? null : () => error!.Writer.WriteLine($"warning: {unfinished}"), stopNotice, error?.Writer), outputClaim);
        }
        catch
        {
            outputClaim?.Dispose();
            claim?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What distill keeps of a run beside the student, as train does: the run's destination and data in its artifacts
    /// (<see cref="TrainingDestinations"/>, read by <c>--resume</c>), every step and evaluation in <c>metrics.jsonl</c>
    /// with the training curve drawn from it, both exported with the model, and the progress on the console.
    /// </summary>
    private sealed class RunLog(IAnsiConsole console, string output, string dataPath, string? validationPath, LabeledTextFileOptions columns, OrtSessionSettings session,
        Action? warnOfReplacing, StopNotice? stopNotice, TextWriter? stderr) : IDistillationRunLog
    {
        public void NewRunStarting(string artifactsDirectory) => warnOfReplacing?.Invoke();

        // The output is recorded by the run itself (OutputRecord), as the facade's is.
        public void Record(string artifactsDirectory, bool isNew)
        {
            if (!isNew) return;
            TrainingDestinations.RecordData(artifactsDirectory, dataPath, validationPath, columns.TextColumn, columns.LabelColumn);
            stopNotice?.BeforeResumedTraining(artifactsDirectory, TrainingDestinations.ResumeCommand("distill", artifactsDirectory, session));
            TrainingDestinations.SayBuilt(console, artifactsDirectory, replaced: warnOfReplacing is not null);
        }

        private (string ArtifactsDirectory, long Steps)? _trained;

        /// <summary>Whether the run's training has returned: what is left is its card and export.</summary>
        public bool TrainingFinished => _trained is not null;

        /// <summary>
        /// Says what a stop after the last step cut, on stderr beside the other stop lines: the export (the run has no
        /// checkpoint line to print), with the command that exports the finished run.
        /// </summary>
        public void SayExportStopped()
        {
            string line = TrainingDestinations.ExportCancelled("student", _trained!.Value.Steps, _trained.Value.ArtifactsDirectory, output,
                TrainingDestinations.ResumeCommand("distill", _trained.Value.ArtifactsDirectory, session));
            if (stderr is not null) stderr.WriteLine(line);
            else console.MarkupLine(Markup.Escape(line));
        }

        public FineTuningResult Train(string artifactsDirectory, long? resumedAtStep, ValidationMetric metric, Func<ITrainingObserver, FineTuningResult> train)
        {
            using var metrics = new MetricsLog(Path.Combine(artifactsDirectory, MetricsLog.FileName), resumedAtStep, metric);
            var display = new ConsoleTrainingObserver(console, TrainingDestinations.ResumeCommand("distill", artifactsDirectory, session), stopNotice, stderr);
            var result = display.Run(() => train(new CompositeTrainingObserver(display, metrics)));
            TrainingCurveChart.Save(Path.Combine(artifactsDirectory, TrainingCurveChart.FileName), metrics, metric);
            _trained = (artifactsDirectory, result.Steps);
            return result;
        }

        public IReadOnlyDictionary<string, string> Files(string artifactsDirectory) => new Dictionary<string, string>
        {
            [MetricsLog.FileName] = Path.Combine(artifactsDirectory, MetricsLog.FileName),
            [TrainingCurveChart.FileName] = Path.Combine(artifactsDirectory, TrainingCurveChart.FileName),
        };
    }

    /// <summary>
    /// The settings a resumed run is asked for: those given on the command line. One left out is the run's own, which
    /// <see cref="WithWhatTheRunKeeps"/> takes.
    /// </summary>
    private static ResumedStudent.Settings AskedOf(DistillJobOptions options)
    {
        var defaults = new DistillJobOptions();
        T? IfSet<TOptions, T>(string property, T value, T? byDefault) where T : struct =>
            options.WasSet(InvalidOptionException.Name<TOptions>(property), !RecordedSettings.SameSetting(value, byDefault)) ? value : null;
        return new ResumedStudent.Settings(
            IfSet<DistillationOptions, float>(nameof(DistillationOptions.Alpha), options.Distillation.Alpha, defaults.Distillation.Alpha),
            IfSet<DistillationOptions, float>(nameof(DistillationOptions.Temperature), options.Distillation.Temperature, defaults.Distillation.Temperature),
            options.MaxLength is int maxLength ? IfSet<DistillJobOptions, int>(nameof(DistillJobOptions.MaxLength), maxLength, defaults.MaxLength) : null,
            IfSet<DistillJobOptions, float>(nameof(DistillJobOptions.DropoutRatio), options.DropoutRatio, defaults.DropoutRatio),
            IfSet<DistillJobOptions, double>(nameof(DistillJobOptions.WeightDecay), options.WeightDecay, defaults.WeightDecay));
    }

    /// <summary>
    /// The student record of the run <c>--resume</c> names, which gives the teacher and the layers not given: read before
    /// anything else, so a directory with no run, or a run not made by distill, is refused as that rather than as the
    /// options or destinations such a run could not supply.
    /// </summary>
    /// <returns>The record; null for a distillation whose artifacts keep none.</returns>
    /// <exception cref="UserInputException">There is no run in <paramref name="resumeFrom"/>, or it is not a distillation.</exception>
    public static StudentRecord? RecordToResume(string resumeFrom) =>
        // Here the only refusal of the run itself is that train made it, which train continues.
        ResumedStudent.RecordOfRunIn(resumeFrom, ResumeWhat(resumeFrom),
            (option, kept) => option is null ? $"continue them with train --resume {resumeFrom}" : Remedy(option, kept));

    /// <summary>
    /// The teacher the run <c>--resume</c> names recorded, for a command that names none. One no longer there was
    /// refused as a missing <c>--teacher</c> the user never typed; it is said as the run's, with what to do: give the
    /// folder it moved to as <c>--teacher</c> (<see cref="ResumedStudent"/> holds it to the digest the run recorded), or,
    /// for a run that recorded none, put it back.
    /// </summary>
    /// <exception cref="UserInputException">The recorded teacher's folder does not exist.</exception>
    public static string RecordedTeacher(StudentRecord recorded, string resumeFrom) =>
        Directory.Exists(recorded.Teacher) ? recorded.Teacher
        : throw new UserInputException($"{ResumeWhat(resumeFrom)}: the run's recorded teacher {recorded.Teacher} does not exist; " + (recorded.TeacherDigest is null
            ? "the run (begun before 2026-12-07) records no digest to know the teacher by elsewhere: put it back there to resume, or start a new run"
            : "if it was moved, pass --teacher NEWPATH (the run checks it is the same model by the digest it recorded)"));

    /// <summary>
    /// The layer count of the student in <paramref name="resumeFrom"/> that records none (begun before 2026-12-04), as
    /// its parameters show it (<see cref="ResumedStudent"/> holds a resume to it); null when they show none.
    /// </summary>
    public static int? UnrecordedLayers(string resumeFrom) => ResumedStudent.LayersOfUnrecordedStudent(resumeFrom) is var layers and > 0 ? layers : null;

    /// <summary>
    /// Refuses the resume of a student that records no teacher (or layers) when the command gives none: in one line naming
    /// every flag it needs and why, rather than the generic "is required" of one flag after the other.
    /// </summary>
    /// <exception cref="UserInputException">Always.</exception>
    public static void RefuseUnrecordedStudent(string resumeFrom, bool teacherMissing, bool layersMissing)
    {
        var (needed, records, give) = (teacherMissing, layersMissing) switch
        {
            (true, true) => ("--teacher and --layers are", "no teacher, and its parameters show no layer count", "the --teacher it was distilled from and the --layers its student keeps"),
            (true, false) => ("--teacher is", "no teacher", "the --teacher it was distilled from"),
            _ => ("--layers is", "no layer count, and its parameters show none", "the --layers its student keeps"),
        };
        throw new UserInputException($"{needed} needed to resume the run in {resumeFrom}: it records {records} ({UnrecordedSettings.BegunBy}); give {give}");
    }

    private static string ResumeWhat(string resumeFrom) => $"--resume {resumeFrom}";

    /// <summary>How a refusal of a resumed run ends on the command line: what to pass, or leave out, to resume.</summary>
    private static string? Remedy(string? option, object? kept) =>
        option is null ? null
        : option == InvalidOptionException.Name<DistillJobOptions>(nameof(DistillJobOptions.Teacher)) ? "leave the teacher as it was to resume, or start a new run"
        : option == InvalidOptionException.Name<DistillationOptions>(nameof(DistillationOptions.Layers)) ? $"pass --layers {kept} to resume, or start a new run"
        : ResumedRunCheck.LeaveItOut;

    /// <summary>
    /// A resumed distillation runs with what its student was built with (α, temperature, maximum length, dropout, weight
    /// decay; <see cref="ResumedStudent"/> refused any other given), the data it trained on and the settings it began
    /// with: <c>--resume</c> alone continues the same run, and an option asking for something else is refused rather
    /// than dropped (the card would describe a run that was not).
    /// </summary>
    /// <exception cref="InvalidOptionException">A data file or a training setting contradicts the run being resumed.</exception>
    private static DistillJobOptions WithWhatTheRunKeeps(DistillJobOptions options, TrainingArtifacts resumed, RecordedSettings? recorded)
    {
        var run = resumed.Properties;
        string where = $"the run in {resumed.Directory}";
        options = options with
        {
            Distillation = options.Distillation with { Alpha = run.DistillationWeight ?? options.Distillation.Alpha, Temperature = run.Temperature ?? options.Distillation.Temperature },
            MaxLength = run.MaxLength ?? options.MaxLength,
            DropoutRatio = run.DropoutRatio,
            WeightDecay = run.WeightDecay ?? options.WeightDecay,
        };
        var (data, validation) = ResumedRunCheck.KeepData<DistillJobOptions>(options.DataPath, options.ValidationPath, resumed.Directory);
        options = options with { DataPath = data, ValidationPath = validation };
        if (recorded is not null)
            options = options with { FineTuning = ResumedRunCheck.KeepFineTuning(options.FineTuning, recorded.FineTuning, where, options.WasSet) };
        return options;
    }

    /// <summary>
    /// --data, or the training file the teacher's card records; --validation, or the teacher's validation file if it was
    /// one; the columns given, or, for the card's files, those the card records the teacher's run named (it read them
    /// by detection, and a file whose columns had to be named was refused).
    /// </summary>
    private static (string Data, string? Validation, string? TextColumn, string? LabelColumn) DataFor(DistillJobOptions options, TeacherModel teacher)
    {
        var card = Path.Combine(teacher.Directory, "README.md");
        var text = File.Exists(card) ? ModelFolderFile.ReadAllText(card) : "";
        var (recorded, recordedValidation) = ClassifierTrainingCard.RecordedData(text);
        if (options.DataPath is { } data) return (data, options.ValidationPath, options.TextColumn, options.LabelColumn);
        if (recorded is null && FineTuning.ModelCardText.NamesEmbeddedSample(text)) recorded = DefaultDataset.FilePath;
        if (recorded is null)
            throw new UserInputException($"--data is needed: the teacher's model card ({card}) records no training data");
        if (!File.Exists(recorded))
            throw new UserInputException($"--data is needed: the teacher was trained on {recorded}, which no longer exists");
        var (textColumn, labelColumn) = ClassifierTrainingCard.RecordedColumns(text);
        return (recorded, options.ValidationPath ?? (recordedValidation is not null && File.Exists(recordedValidation) ? recordedValidation : null),
            options.TextColumn ?? textColumn, options.LabelColumn ?? labelColumn);
    }
}
