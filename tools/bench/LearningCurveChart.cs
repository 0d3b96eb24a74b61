namespace OrtAgent.Bench;

/// <summary>Test accuracy against examples per class (log scale), one line per method, ± one sd as error bars.</summary>
public static class LearningCurveChart
{
    public static void Save(string path, string data, IReadOnlyList<LearningCurveBenchmark.Setting> settings)
    {
        var plot = new ScottPlot.Plot();
        // The whole pool sits at its mean examples per class.
        double X(LearningCurveBenchmark.Setting s) => Math.Log2(s.PerClass == 0 ? s.Examples / (double)Math.Max(1, Labels(settings)) : s.PerClass);
        foreach (var method in settings.GroupBy(s => s.Method))
        {
            var points = method.OrderBy(X).ToList();
            var xs = points.Select(X).ToArray();
            var ys = points.Select(s => 100 * s.MeanAccuracy).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = method.Key;
            var bars = plot.Add.ErrorBar(xs, ys, points.Select(s => 100 * s.SdAccuracy).ToArray());
            bars.Color = line.Color;
        }
        var ticks = settings.DistinctBy(X).OrderBy(X).ToList();
        plot.Axes.Bottom.SetTicks(ticks.Select(X).ToArray(), ticks.Select(s => LearningCurveBenchmark.Describe(s.PerClass, s.Examples)).ToArray());
        plot.Title($"OrtAgent learning curve: {data} (mean ± sd over seeds)");
        plot.XLabel("training examples per class (log scale)");
        plot.YLabel("test accuracy (%)");
        plot.ShowLegend();
        plot.SavePng(path, 800, 500);
    }

    // The whole-pool point's examples per class: the other settings know the label count from examples / n.
    private static int Labels(IReadOnlyList<LearningCurveBenchmark.Setting> settings) =>
        settings.FirstOrDefault(s => s.PerClass > 0) is { } s ? s.Examples / s.PerClass : 2;
}
