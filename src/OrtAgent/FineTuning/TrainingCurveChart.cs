using OrtAgent.Training.Evaluation;

namespace OrtAgent.FineTuning;

/// <summary>Draws the training curve — mean training loss and the validation metric per epoch — as a PNG.</summary>
public static class TrainingCurveChart
{
    public const string FileName = Training.Artifacts.TrainingArtifacts.TrainingCurveFile;

    public static void Save(string path, MetricsLog metrics, ValidationMetric metric)
    {
        var plot = new ScottPlot.Plot();
        var losses = metrics.EpochLosses;
        if (losses.Count > 0)
        {
            var train = plot.Add.Scatter(losses.Select(l => (double)l.Epoch).ToArray(), losses.Select(l => l.Loss).ToArray());
            train.LegendText = "training loss";
        }
        var evaluations = metrics.Evaluations.GroupBy(e => e.Epoch).Select(g => g.Last()).ToList();
        if (evaluations.Any(e => e.Loss is not null))
        {
            var validationLoss = plot.Add.Scatter(evaluations.Select(e => (double)e.Epoch).ToArray(), evaluations.Select(e => e.Loss ?? double.NaN).ToArray());
            validationLoss.LegendText = "validation loss";
        }
        // The validation loss is drawn above already; another metric gets its own line.
        if (metric != ValidationMetric.Loss && evaluations.Count > 0)
        {
            // The metric lives in [0, 1] like the losses late in training; one axis keeps the chart readable.
            var values = plot.Add.Scatter(evaluations.Select(e => (double)e.Epoch).ToArray(), evaluations.Select(e => e.Value).ToArray());
            values.LegendText = $"validation {ValidationMetricNames.Of(metric)}";
        }
        plot.Title("OrtAgent training curve");
        plot.XLabel("epoch");
        plot.ShowLegend();
        // Drawn beside its place and renamed, so a kill never leaves a torn chart for an export to copy.
        var temporary = Training.Checkpoints.TemporarySiblings.For(path, "tmp", hidden: true);
        plot.SavePng(temporary, 800, 500);
        File.Move(temporary, path, overwrite: true);
    }
}
