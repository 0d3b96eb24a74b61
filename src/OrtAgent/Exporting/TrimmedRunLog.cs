using OrtAgent.Runtime;
using OrtAgent.FineTuning;
using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Exporting;

/// <summary>
/// A run's <c>metrics.jsonl</c> up to a step (<see cref="MetricsLog.CopyUpTo"/>) and its training curve drawn again from
/// those records (<see cref="TrainingCurveChart.Save"/>), written into an export as it is made: the run's own log may run
/// past the exported weights (a kill after the checkpoint, a run still training), and its chart, drawn when the run
/// ended, would then show epochs the model beside it never saw. The export reads the artifacts and changes nothing in them.
/// </summary>
internal static class TrimmedRunLog
{
    /// <summary>
    /// Writes the log of the run in <paramref name="artifactsDirectory"/> up to <paramref name="step"/>, and the chart of
    /// it, into <paramref name="directory"/>: the export's own temporary sibling, renamed into place with the model, so an
    /// export killed meanwhile leaves them where the next write's sweep removes them (until 2026-12-07 the copy was made in
    /// a folder of its own under the system's temporary folder, which a kill left there).
    /// </summary>
    public static void Write(string artifactsDirectory, long step, string directory)
    {
        var log = Path.Combine(artifactsDirectory, MetricsLog.FileName);
        if (!File.Exists(log)) return;
        var copy = Path.Combine(directory, MetricsLog.FileName);
        MetricsLog.CopyUpTo(log, step, copy);
        var metric = MonitoredMetric(artifactsDirectory);
        // Opened as a resumed run opens its log, which reads back the series its chart is drawn from; nothing more is written.
        using var series = new MetricsLog(copy, resumedAtStep: step, metric);
        TrainingCurveChart.Save(Path.Combine(directory, TrainingCurveChart.FileName), series, metric);
    }

    /// <summary>
    /// The metric the run monitored, whose line its chart draws and names: as its settings record it, or accuracy (the
    /// default) where they record none (artifacts written before 2026-12-04) or cannot be read, which only the chart's
    /// legend would get wrong, and which fails no export.
    /// </summary>
    private static ValidationMetric MonitoredMetric(string artifactsDirectory)
    {
        try
        {
            return RecordedSettings.Read(artifactsDirectory)?.FineTuning.Metric ?? ValidationMetric.Accuracy;
        }
        catch (UserInputException)
        {
            return ValidationMetric.Accuracy;
        }
    }
}
