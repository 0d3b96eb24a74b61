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
        // Written whole or not at all (and a killed write's temporary swept), so an export never copies a torn chart.
        byte[] png = plot.GetImageBytes(800, 500, ScottPlot.ImageFormat.Png);
        Training.Checkpoints.AtomicFile.Write(path, stream => stream.Write(png));
    }
}
