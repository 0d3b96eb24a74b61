using OrtAgent.Cli;
using OrtAgent.Data;
using OrtAgent.FineTuning;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.Distillation;

/// <summary>
/// <c>ortagent distill</c> in three stages, as <see cref="TrainingJob"/>: <see cref="Prepare"/> checks the options, the
/// teacher and the destinations before anything is written, reads the data with the teacher's tokenizer, runs the
/// teacher once over it (its logits for training, its accuracy on validation) and builds the student's artifacts (or
/// reopens them with <c>--resume</c>); <see cref="Train"/> runs the same <see cref="FineTuner"/> loop as <c>train</c>
/// with the teacher's logits beside each batch; <see cref="Export"/> writes the student with a card comparing the two.
/// </summary>
internal sealed class DistillationJob(Microsoft.Extensions.Options.IOptions<OrtAgentPaths> paths, IAnsiConsole console) : IDistillationJob
{
    public async Task<DistillJobResult> RunAsync(DistillJobOptions options, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the run is CPU-bound; the caller's context is not held while it prepares
        var run = Prepare(options, cancellationToken);
        using (run.Claim)
        {
            // The options the run uses: a resumed one's are what it recorded.
            var result = Train(run.Options, run, cancellationToken);
            return Export(run.Options, run, result, cancellationToken);
        }
    }

    private PreparedDistillation Prepare(DistillJobOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        var settings = options.Session;
        using (settings.CreateSessionOptions()) { }
        var teacher = TeacherModel.Open(options.Teacher);
        teacher.CheckMaxLength(options.MaxLength, InvalidOptionException.Name<DistillJobOptions>(nameof(DistillJobOptions.MaxLength)));
        var keep = LayerSelection.EvenlySpaced(teacher.Layers, options.Distillation.Layers);
        // A resumed run exports where it was exporting, as train's does, unless told otherwise.
        var output = options.OutputDirectory is null && options.ResumeFrom is not null && TrainingDestinations.RecordedOutput(options.ResumeFrom) is { } recordedOutput
            ? recordedOutput
            : options.ResolveOutputDirectory();
        if (Path.GetFullPath(Path.TrimEndingDirectorySeparator(output)) == teacher.Directory)
            throw new UserInputException($"--output {output}: is the teacher itself; export the student elsewhere");
        var artifactsDirectory = options.ResumeFrom
            ?? Path.Combine(paths.Value.ArtifactsRoot, TrainingDestinations.ArtifactsNameFor(output));
        // A resumed run claims its artifacts before opening them: the data files given are checked first, as train's are.
        var columns = new LabeledTextFileOptions { TextColumn = options.TextColumn, LabelColumn = options.LabelColumn };
        var claim = TrainingDestinations.CheckThenClaimIfResuming(output, artifactsDirectory, paths.Value.ArtifactsRootSetting, options.ResumeFrom, options.DataPath, options.ValidationPath, columns);
        try
        {
            var resume = options.ResumeFrom is null ? null : TrainingArtifacts.Open(options.ResumeFrom);
            RecordedSettings? recorded = null;
            if (resume is not null)
            {
                ResumedStudent.Check<DistillJobOptions>(resume, $"--resume {options.ResumeFrom}", teacher, keep, AskedOf(options), Remedy);
                recorded = RecordedSettings.Read(resume.Directory);
                options = WithWhatTheRunKeeps(options, resume, recorded);
            }
            var (dataPath, validationPath) = DataFor(options, teacher);

            int maxLength = resume?.Properties.MaxLength ?? options.MaxLength ?? teacher.Info.MaxLength;
            var encoder = BertTextEncoder.Create(teacher.VocabPath, new BertTextEncoderOptions { LowerCase = teacher.Info.LowerCase, MaxLength = maxLength });
            console.MarkupLine(Markup.Escape($"Reading {dataPath} ..."));
            var data = TrainingData.Load(dataPath, validationPath, columns, encoder, options.FineTuning.Seed, teacher.Info.Labels, cancellationToken);
            if (resume is not null) ResumedRunCheck.CheckData<DistillJobOptions>(recorded, data.Digest, dataPath, validationPath, resume.Directory);
            console.MarkupLine(Markup.Escape(data.Summary()));
            foreach (var warning in data.Warnings()) console.MarkupLine(Markup.Escape(warning));
            console.MarkupLine(Markup.Escape($"Teacher {teacher.Directory}: {teacher.Layers} layers; the student keeps {string.Join(", ", keep)} (as 0-{keep.Count - 1})."));

            // Claimed before the teacher runs over the data, once the data and options are checked: a refused run leaves
            // nothing behind, and a second run into the same artifacts is refused before that long pass.
            claim ??= TrainingDestinations.ClaimArtifacts(artifactsDirectory);
            console.MarkupLine(Markup.Escape("Running the teacher over the training and validation texts ..."));
            // α = 0 trains on the labels alone: the teacher is only scored, not run over the training texts.
            var needsTeacher = (resume?.Properties.DistillationWeight ?? options.Distillation.Alpha) > 0f;
            var (trainingLogits, teacherReport) = TeacherLogits.Run(teacher, settings, needsTeacher ? data.Training : null, data.Validation, data.Labels,
                encoder.PaddingTokenId, cancellationToken);
            console.MarkupLine(Markup.Escape(FormattableString.Invariant($"Teacher validation accuracy: {teacherReport.Accuracy:F4}")));

            TrainingArtifacts artifacts;
            if (resume is not null)
            {
                artifacts = resume;
            }
            else
            {
                console.MarkupLine(Markup.Escape($"Building the student and its training graphs in {artifactsDirectory} ..."));
                TrainingArtifacts.BeginSetup(artifactsDirectory);
                artifacts = StudentArtifacts.Generate(teacher, keep, options.Distillation,
                    new StudentTrainingSettings(options.FineTuning.Seed, options.DropoutRatio, options.WeightDecay, maxLength, teacher.Info.BaseModel),
                    artifactsDirectory);
            }
            TrainingDestinations.RecordOutput(artifacts.Directory, output);
            if (resume is null)
            {
                new StudentRecord(teacher.Directory, keep, teacherReport.Accuracy).Write(artifacts.Directory);
                TrainingDestinations.RecordData(artifacts.Directory, dataPath, validationPath);
                new RecordedSettings(options.FineTuning, new ContrastiveOptions(), Data: data.Digest).Write(artifacts.Directory);
                TrainingArtifacts.CompleteSetup(artifacts.Directory);
            }
            var state = resume is not null && File.Exists(resume.TrainerStatePath) ? TrainerState.Load(resume.TrainerStatePath) : null;
            if (state is not null) console.MarkupLine(Markup.Escape($"Resuming {artifacts.Directory} at epoch {state.Epoch}, step {state.Step}."));
            var training = trainingLogits is null ? data : data with { Training = data.Training.WithTeacherLogits(trainingLogits, data.Labels.Count) };
            return new PreparedDistillation(options, settings, teacher, keep, output, maxLength, encoder.PaddingTokenId, training, teacherReport, artifacts, state, claim);
        }
        catch
        {
            claim?.Dispose();
            throw;
        }
    }

    private FineTuningResult Train(DistillJobOptions options, PreparedDistillation run, CancellationToken cancellationToken)
    {
        using var metrics = new MetricsLog(run.MetricsPath, resumedAtStep: run.State?.Step, options.FineTuning.Metric);
        var display = new ConsoleTrainingObserver(console);
        FineTuningResult result;
        using (var session = TrainingSession.Create(run.Artifacts, run.Settings, run.Claim))
        {
            var tuner = new FineTuner(session, options.FineTuning, run.Data.Labels, run.PaddingTokenId, new CompositeTrainingObserver(display, metrics));
            result = display.Run(() => tuner.Run(run.Data.Training, run.Data.Validation, run.State, cancellationToken));
        }
        TrainingCurveChart.Save(run.ChartPath, metrics, options.FineTuning.Metric);
        return result;
    }

    private DistillJobResult Export(DistillJobOptions options, PreparedDistillation run, FineTuningResult result, CancellationToken cancellationToken)
    {
        var metrics = RecordableMetrics.Keep(result.BestReport?.Metrics() ?? new Dictionary<string, double>(), warning => console.MarkupLine(Markup.Escape(warning)));
        metrics[DistillationCard.TeacherAccuracyMetric] = run.TeacherReport.Accuracy;
        var info = new ClassifierModelInfo(run.Data.Labels.ToList(), run.MaxLength, run.Teacher.Info.LowerCase, run.Teacher.Info.BaseModel,
            ModelContract.SingleLabel, metrics);
        var exportOptions = new ExportOptions
        {
            MaxLength = run.MaxLength,
            LowerCase = run.Teacher.Info.LowerCase,
            BaseModelName = run.Teacher.Info.BaseModel,
            Metrics = metrics,
            // The student's card, with its data named by file and its run log beside it.
            ModelCard = ModelCard.FromInfo(info, DistillationCard.Sections(options.FineTuning, options.Distillation, options.WeightDecay, run.Artifacts.Properties,
                run.Teacher, run.KeptLayers, ModelCardText.Sources(run.Data), info.MaxLength, run.TeacherReport, result, withRunLog: true)),
            ExtraFiles = new Dictionary<string, string> { [MetricsLog.FileName] = run.MetricsPath, [TrainingCurveChart.FileName] = run.ChartPath },
        };
        // Recorded before the export, so a kill once the model is in place cannot leave export --checkpoint without it.
        run.Artifacts.RecordModelCard(exportOptions.ModelCard!);
        ModelExporter.Export(run.Artifacts, result.BestParameters, exportOptions, run.OutputDirectory, cancellationToken);
        string kept = options.FineTuning.SelectsOnValidation(run.Data.Validation.Count) ? "best" : "last";
        console.MarkupLine(Markup.Escape($"Exported the {kept} student (step {result.BestStep}) to {run.OutputDirectory}"));
        return new DistillJobResult(run.OutputDirectory, run.Artifacts.Directory, run.Teacher.Layers, run.KeptLayers, run.TeacherReport,
            result.BestReport, result.Steps, result.StoppedEarly, result.Elapsed);
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

    /// <summary>--data, or the training file the teacher's card records; --validation, or the teacher's validation file if it was one.</summary>
    private static (string Data, string? Validation) DataFor(DistillJobOptions options, TeacherModel teacher)
    {
        var card = Path.Combine(teacher.Directory, "README.md");
        var text = File.Exists(card) ? File.ReadAllText(card) : "";
        var (recorded, recordedValidation) = ClassifierTrainingCard.RecordedData(text);
        if (options.DataPath is { } data) return (data, options.ValidationPath);
        if (recorded is null && FineTuning.ModelCardText.NamesEmbeddedSample(text)) recorded = DefaultDataset.FilePath;
        if (recorded is null)
            throw new UserInputException($"--data is needed: the teacher's model card ({card}) records no training data");
        if (!File.Exists(recorded))
            throw new UserInputException($"--data is needed: the teacher was trained on {recorded}, which no longer exists");
        return (recorded, options.ValidationPath ?? (recordedValidation is not null && File.Exists(recordedValidation) ? recordedValidation : null));
    }

    /// <summary>What preparation hands to training and export; the caller disposes <c>Claim</c>, the artifacts' lock, when the run ends.</summary>
    private sealed record PreparedDistillation(DistillJobOptions Options, OrtSessionSettings Settings, TeacherModel Teacher, IReadOnlyList<int> KeptLayers, string OutputDirectory,
        int MaxLength, int PaddingTokenId, TrainingData Data, Training.Evaluation.ClassificationReport TeacherReport, TrainingArtifacts Artifacts,
        TrainerState? State, ArtifactsClaim Claim)
    {
        public string MetricsPath => Path.Combine(Artifacts.Directory, MetricsLog.FileName);

        public string ChartPath => Path.Combine(Artifacts.Directory, TrainingCurveChart.FileName);
    }
}
