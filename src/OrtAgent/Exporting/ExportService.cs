using OrtAgent.Cli;
using OrtAgent.Runtime;
using OrtAgent.Training.Adapters;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Distillation;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.Exporting;

internal sealed class ExportService(IAnsiConsole console, ErrorOutput? error = null) : IExportService
{
    public string Export(string artifactsDirectory, string outputDirectory, bool quantizeInt8, bool latest, bool writeExplainGraph = true,
        CancellationToken cancellationToken = default)
    {
        DestinationGuard.Check(outputDirectory, DirectoryLayout.ExportedModel, $"--output {outputDirectory}");
        using var claim = ClaimIfFree(artifactsDirectory);
        // The lock train and distill hold on their --output: an export there meanwhile was replaced by theirs, or replaced it.
        using var outputClaim = FineTuning.TrainingDestinations.ClaimOutput(outputDirectory);
        var (artifacts, parameters, fromBest, bestStep, state) = RequireTrained(Read(artifactsDirectory, claim, latest), latest);
        FineTuning.RecordedBaseModel.Require(artifacts);
        var properties = artifacts.Properties;
        // --help promises the best evaluated parameters; a run stopped before its first evaluation has none, and its
        // latest went out said only in the card. (A run keeping its last model records each evaluation as its best.)
        if (!latest && !fromBest && state is { BestStep: 0 } && properties.Objective != TrainingObjective.PairSimilarity)
            SayWarning($"warning: {artifacts.Directory} has made no evaluation yet, so its latest parameters (step {state.Step}) are exported, not the best evaluated ones");
        // Named as train records them in the models it exports: the evaluation the run logged for the exported step. A
        // contrastive run evaluates once, its head at the last step, and keeps no best step of its own. The best model
        // says which step it is from: after a kill it can be ahead of the checkpoint's state.
        long step = fromBest && properties.Objective != TrainingObjective.PairSimilarity ? bestStep ?? state?.BestStep ?? 0 : state?.Step ?? 0;
        // A best model saved before the first checkpoint (a kill between them) still has its evaluation in the log.
        var metrics = RecordableMetrics.Keep(step == 0 ? []
            : FineTuning.MetricsLog.EvaluationAt(Path.Combine(artifacts.Directory, FineTuning.MetricsLog.FileName), step) ?? [],
            SayWarning);
        // A student's export records its teacher's figure beside its own, as distill's does.
        var student = StudentRecord.Read(artifacts.Directory);
        if (metrics.Count > 0 && student?.TeacherAccuracy is double teacherAccuracy)
            metrics[DistillationCard.TeacherAccuracyMetric] = teacherAccuracy;
        // The run's log as far as the weights exported, and its chart drawn from that, made in the export's staging folder:
        // a run killed after its checkpoint (or training now) logged steps and evaluations past it, which a resume trims,
        // and which beside this model were another model's record.
        long exportedRunStep = Math.Max(state?.Step ?? properties.Step, fromBest ? bestStep ?? 0 : 0);
        ModelExporter.Export(artifacts, parameters, new ExportOptions
        {
            // The tokenizer settings and base-model name are left to what the artifacts record.
            Metrics = metrics,
            QuantizeInt8 = quantizeInt8,
            WriteExplainGraph = writeExplainGraph,
            // A contrastive run's model is its final encoder with the head fitted on it: best and latest at once.
            CardSections = CardSections(artifacts, parameters, student, trainingFinished: state?.Finished == true, properties.Objective == TrainingObjective.PairSimilarity ? "final" : fromBest ? "best" : "latest", step),
            ExtraFilesWriter = directory => TrimmedRunLog.Write(artifacts.Directory, exportedRunStep, directory),
        }, outputDirectory, cancellationToken);
        return Path.Combine(outputDirectory, ModelContract.ModelFile);
    }

    /// <summary>
    /// What the run's own card said of it (method, data, hyperparameters, LoRA, the student…), which the artifacts alone
    /// would not tell a reader, and which parameters this export took. A run that has not finished has written no card:
    /// what it recorded as it started stands in (method, data, hyperparameters; LoRA's figures counted in the
    /// <paramref name="parameters"/> exported), and the export says the run had not finished. Runs begun before that
    /// record have the labels and metrics alone, and a student its teacher and layers. (A run killed once its training
    /// had finished, before its card was written, is not said to be unfinished: <paramref name="trainingFinished"/>.)
    /// </summary>
    private static Dictionary<string, string> CardSections(TrainingArtifacts artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> parameters,
        StudentRecord? student, bool trainingFinished, string which, long step)
    {
        var recorded = artifacts.RecordedModelCard();
        var starting = recorded is null ? artifacts.RecordedStartingCard() : null;
        var sections = (recorded ?? starting) is { } card
            ? ModelCard.SectionsOf(card).Where(s => s.Key is not (ModelCard.WeightsTitle or ExportTitle)).ToDictionary()
            : student is not null
                ? new Dictionary<string, string> { ["Distilled"] = DistillationCard.StudentLines(student.Teacher, student.KeptLayers) }
                : [];
        if (starting is not null && artifacts.Properties.Lora is { } lora) sections[ClassifierTrainingCard.LoraTitle] = ClassifierTrainingCard.LoraSection(lora, parameters);
        sections[ExportTitle] = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Exported by `ortagent export --checkpoint` from the run's {which} parameters{(step > 0 ? $" (step {step})" : "")}{(starting is not null && !trainingFinished ? ", before the run had finished" : "")}.");
        return sections;
    }

    private const string ExportTitle = "Export";

    public string ExportAdapter(string artifactsDirectory, string outputDirectory, bool latest)
    {
        // Up front and under its option's name, as for a model; the writer checks again, by path, at the swap.
        DestinationGuard.Check(outputDirectory, DirectoryLayout.Adapter, $"--output {outputDirectory}");
        using var claim = ClaimIfFree(artifactsDirectory);
        using var outputClaim = FineTuning.TrainingDestinations.ClaimOutput(outputDirectory);
        var run = RequireTrained(Read(artifactsDirectory, claim, latest), latest);
        if (run.Artifacts.Properties.Lora is null)
            throw new UserInputException($"--adapter-only: {artifactsDirectory} was not trained with LoRA (--lora-rank); export the whole model instead");
        PeftAdapter.Write(run.Artifacts.Properties, run.Parameters, outputDirectory);
        return Path.Combine(outputDirectory, PeftAdapter.WeightsFile);
    }

    /// <summary>A <c>warning:</c> line, on stderr where the command line has one, as every command's warnings are.</summary>
    private void SayWarning(string warning)
    {
        if (error is not null) error.Writer.WriteLine(warning);
        else console.MarkupLine(Markup.Escape(warning));
    }

    /// <summary>
    /// The run's claim, held for the export when no run holds it, so the export reads what it opened and no run starts
    /// over it meanwhile; null while a run trains there (which an export may read), or for a directory that is none.
    /// </summary>
    private static ArtifactsClaim? ClaimIfFree(string artifactsDirectory) =>
        Directory.Exists(artifactsDirectory) ? ArtifactsClaim.TryAcquire(artifactsDirectory) : null;

    /// <summary>What an export reads of a run: its artifacts, the parameters it takes and the trainer state, of one checkpoint.</summary>
    private sealed record RunRead(TrainingArtifacts Artifacts, IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> Parameters, bool FromBest,
        long? BestStep, TrainerState? State);

    /// <summary>
    /// Reads the run: under its <paramref name="claim"/>, recovering a checkpoint save cut short; without it, changing
    /// nothing, since the save may be one a run is making now, and reading again while that run's saves replace the
    /// checkpoint, so the weights and the step the card names are of one checkpoint (<see cref="TrainingArtifacts.ReadWithoutClaim"/>).
    /// </summary>
    private static RunRead Read(string artifactsDirectory, ArtifactsClaim? claim, bool latest) =>
        claim is null
            ? TrainingArtifacts.ReadWithoutClaim(artifactsDirectory, artifacts => Read(artifacts, latest))
            : Read(TrainingArtifacts.Open(artifactsDirectory), latest);

    /// <summary>
    /// Refuses a checkpoint no optimizer step went into: fresh artifacts (<c>ortagent artifacts</c>), a run still setting
    /// up or not at its first checkpoint yet, a run begun from another model (<c>--init-from</c>, a distillation's
    /// student) before its first step. Its weights are those the run started from, which exported looked like a model
    /// this run trained.
    /// </summary>
    /// <exception cref="UserInputException">The parameters to export are the checkpoint's, and it records no step.</exception>
    private static RunRead RequireTrained(RunRead run, bool latest)
    {
        if (run.FromBest || (run.State?.Step ?? run.Artifacts.Properties.Step) > 0) return run;
        var orBest = latest && File.Exists(run.Artifacts.BestModelPath) ? "; or leave out --latest to export its best model" : "";
        throw new UserInputException($"{run.Artifacts.Directory}: its checkpoint is the one the run started from, before any optimizer step; " +
            $"wait for the run's first checkpoint, or train it first{orBest}");
    }

    private static RunRead Read(TrainingArtifacts artifacts, bool latest)
    {
        var state = File.Exists(artifacts.TrainerStatePath) ? TrainerState.Load(artifacts.TrainerStatePath) : null;
        var (parameters, fromBest, bestStep) = ReadParameters(artifacts, latest);
        return new RunRead(artifacts, parameters, fromBest, bestStep, state);
    }

    /// <summary>The best evaluated parameters, or the latest checkpoint's when asked or when no best was kept.</summary>
    private static (IReadOnlyList<KeyValuePair<string, Onnx.TensorData>> Parameters, bool FromBest, long? BestStep) ReadParameters(TrainingArtifacts artifacts, bool latest)
    {
        var best = artifacts.BestModelPath;
        if (artifacts.Properties.Objective == TrainingObjective.PairSimilarity)
        {
            // The checkpoint holds the encoder alone; the head is fitted after the last step and saved with it in best/,
            // which is therefore the latest model as well.
            if (!File.Exists(best))
                throw new UserInputException($"{artifacts.Directory}: this contrastive run has not finished, and its classification head is fitted only " +
                    $"when it does; finish it first (ortagent train --resume {artifacts.Directory})");
            var fitted = SafeTensorsReader.Read(best);
            return (fitted.Tensors, true, TrainingArtifacts.BestStepOf(fitted));
        }
        if (latest || !File.Exists(best)) return (SafeTensorsReader.Read(artifacts.ModelCheckpointPath).Tensors, false, null);
        var kept = SafeTensorsReader.Read(best);
        return (kept.Tensors, true, TrainingArtifacts.BestStepOf(kept));
    }

    public string AddExplainGraph(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory)) throw new UserInputException($"--model {modelDirectory}: the directory does not exist");
        return ModelExporter.AddExplainGraph(modelDirectory);
    }
}
