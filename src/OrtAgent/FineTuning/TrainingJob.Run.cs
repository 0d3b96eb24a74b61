using OrtAgent.Runtime;
using OrtAgent.Training.Contrastive;
using OrtAgent.Training.Export;
using OrtAgent.Training.Trainer;
using Spectre.Console;

namespace OrtAgent.FineTuning;

internal sealed partial class TrainingJob
{
    /// <summary>
    /// A <c>warning:</c> line, or what a stop kept: on stderr, where the exit-code table says they are (they were on
    /// stdout, among the progress and results, where a script reading stderr never saw them); on the console for a caller
    /// with no stderr of its own (the fine-tuning service's jobs, whose observer records them as events).
    /// </summary>
    private void SayAside(string line)
    {
        if (error is not null) error.Writer.WriteLine(line);
        else console.MarkupLine(Markup.Escape(line));
    }

    /// <summary>Fine-tunes, logging every step and evaluation to <c>metrics.jsonl</c>, then draws the training curve beside it.</summary>
    private (FineTuningResult Result, ContrastiveResult? Contrastive) Train(TrainJobOptions options, PreparedRun run, ITrainingObserver? extraObserver, CancellationToken cancellationToken)
    {
        using var metrics = new MetricsLog(run.MetricsPath, resumedAtStep: run.State?.Step, options.FineTuning.Metric);
        var display = new ConsoleTrainingObserver(console, ResumeCommand(options, run, extraObserver), stopNotice, error?.Writer);
        (FineTuningResult Result, ContrastiveResult? Contrastive) trained;
        using (var session = TrainingSession.Create(run.Artifacts, run.Settings, run.Claim))
        {
            var observer = extraObserver is null
                ? new CompositeTrainingObserver(display, metrics)
                : new CompositeTrainingObserver(display, metrics, extraObserver);
            trained = display.Run(() => ClassifierTraining.Train(session, run.Method.Method, options.FineTuning, options.Contrastive, run.Data.Labels,
                run.PaddingTokenId, observer, run.Settings, run.Data.Training, run.Data.Validation, run.State, cancellationToken));
        }
        TrainingCurveChart.Save(run.ChartPath, metrics, options.FineTuning.Metric);
        return trained;
    }

    /// <summary>Exports the best parameters with the run's files and model card; then promotes when asked to.</summary>
    private TrainJobResult ExportAndPromote(TrainJobOptions options, PreparedRun run, FineTuningResult result, ContrastiveResult? contrastive,
        ITrainingObserver? observer, CancellationToken cancellationToken)
    {
        var report = result.BestReport;
        var recorded = RecordableMetrics.Keep(ClassifierTraining.RecordedMetrics(result, options.FineTuning.Metric), warning =>
        {
            SayAside(warning);
            observer?.OnWarning(warning);
        });
        var info = new ClassifierModelInfo(run.Data.Labels.ToList(), run.MaxLength, run.LowerCase, run.BaseName, "single_label", recorded);
        var exportOptions = ClassifierTraining.ExportOptions(recorded, run.MaxLength, run.LowerCase, run.BaseName,
            ModelCardText.For(options, run.Artifacts.Properties, run.Data, info, result, run.State?.Step, run.Method, contrastive, run.StartedFrom),
            new Dictionary<string, string> { [MetricsLog.FileName] = run.MetricsPath, [TrainingCurveChart.FileName] = run.ChartPath });
        // Recorded before the export, so a kill once the model is in place cannot leave export --checkpoint without it.
        run.Artifacts.RecordModelCard(exportOptions.ModelCard!);
        var resume = ResumeCommand(options, run, observer);
        // Null exactly when resume is: both are the command line's alone.
        var notice = NoticeFor(observer);
        notice?.Exporting($"leaving {options.OutputDirectory} as it was",
            $"{options.OutputDirectory} is as it was, and the run's checkpoint (step {result.Steps}) is kept; to export its model: {resume}");
        try
        {
            ModelExporter.Export(run.Artifacts, result.BestParameters, exportOptions, options.OutputDirectory, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The cancel won before the new model was put in place: the run's last line says that its training is
            // complete and what exports it, where a stop during training names its checkpoint.
            SayAside(TrainingDestinations.ExportCancelled("model", result.Steps, run.Artifacts.Directory, options.OutputDirectory,
                ResumeCommand(options, run, observer)));
            throw;
        }
        // Contrastive runs, and standard ones on validation sets too small to choose by, keep their last model.
        bool chosen = contrastive is null && options.FineTuning.SelectsOnValidation(run.Data.Validation.Count);
        console.MarkupLine(Markup.Escape($"Exported the {(chosen ? "best" : "last")} model (step {result.BestStep}) to {options.OutputDirectory}"));
        // In place: what a stop said of --output is no longer so.
        notice?.Reset();

        PromotionDecision? promotion = null;
        if (options.PromoteTo is not null && run.Data.ValidationExamples is { Count: > 0 } validation)
        {
            notice?.Promoting(options.OutputDirectory, options.PromoteTo, resume!);
            try
            {
                promotion = ModelPromotion.Promote(options.OutputDirectory, options.PromoteTo, options.FineTuning.Metric, validation, run.Settings, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                SayStopped($"Cancelled before promoting: the model is exported to {options.OutputDirectory}, and {options.PromoteTo} is as it was.",
                    "To compare and promote it", options, run, observer);
                throw;
            }
            // Promoted or not, the comparison is over: what a stop said of --promote-to is no longer so.
            notice?.Reset();
        }
        return new TrainJobResult(options.OutputDirectory, run.Artifacts.Directory, report, options.FineTuning.Metric, result.BestMetric,
            result.Steps, result.StoppedEarly, result.Elapsed, promotion, run.Data.Training.Lengths().Sum(l => (long)l), Resumed: run.State is not null);
    }

    /// <summary>
    /// Says where a run cancelled after its training stopped: on the command line with <paramref name="remedy"/> and the
    /// command that finishes it (a finished run resumed takes no step: it exports, and promotes, again); the service
    /// (an <paramref name="observer"/>) resumes or discards its own jobs and records why they stopped itself.
    /// </summary>
    private void SayStopped(string what, string remedy, TrainJobOptions options, PreparedRun run, ITrainingObserver? observer) =>
        SayAside(ResumeCommand(options, run, observer) is { } resume ? $"{what} {remedy}: {resume}" : what);

    /// <summary>
    /// The command that continues or finishes the run, for the command line; null for the service (an
    /// <paramref name="observer"/>), which resumes its own jobs.
    /// </summary>
    private static string? ResumeCommand(TrainJobOptions options, PreparedRun run, ITrainingObserver? observer) =>
        observer is null ? TrainingDestinations.ResumeCommand("train", run.Artifacts.Directory, options.Session, options.PromoteTo) : null;
}
