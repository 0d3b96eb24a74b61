using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Tests.Evaluation;

public class ClassificationReportTests
{
    [Fact]
    public void ScoresMatchHandComputation()
    {
        // true:      a a a b b c
        // predicted: a a b b c c
        var builder = new ClassificationReportBuilder(["a", "b", "c"]);
        foreach (var (t, p) in new[] { (0, 0), (0, 0), (0, 1), (1, 1), (1, 2), (2, 2) }) builder.Add(t, p);
        var report = builder.Build();

        Assert.Equal(4.0 / 6, report.Accuracy, 12);
        // a: P=2/2 R=2/3 F1=0.8; b: P=1/2 R=1/2 F1=0.5; c: P=1/2 R=1 F1=2/3.
        Assert.Equal(0.8, report.PerClass[0].F1, 12);
        Assert.Equal(0.5, report.PerClass[1].F1, 12);
        Assert.Equal(2.0 / 3, report.PerClass[2].F1, 12);
        Assert.Equal((0.8 + 0.5 + 2.0 / 3) / 3, report.MacroF1, 12);
        Assert.Equal(3, report.PerClass[0].Support);
        Assert.Equal(1, report.ConfusionMatrix[0, 1]);
        Assert.Null(report.Loss);
    }

    /// <summary>
    /// scikit-learn's f1_score(average="macro") averages the labels in the examples or the predictions:
    /// f1_score(["a","a","b"], ["a","a","c"], labels=None) = (1 + 0 + 0) / 3, and a label in neither does not count.
    /// </summary>
    [Fact]
    public void MacroF1AveragesTheLabelsTheExamplesOrPredictionsHold()
    {
        var allRight = new ClassificationReportBuilder(["negative", "positive"]);
        foreach (var _ in Enumerable.Range(0, 3)) allRight.Add(1, 1);
        Assert.Equal(1.0, allRight.Build().MacroF1, 12);   // not 0.5: 'negative' is in neither

        var mixed = new ClassificationReportBuilder(["a", "b", "c", "d"]);
        foreach (var (t, p) in new[] { (0, 0), (0, 0), (1, 2) }) mixed.Add(t, p);
        Assert.Equal(1.0 / 3, mixed.Build().MacroF1, 12);   // a 1, b 0 (missed), c 0 (wrongly predicted); d in neither

        Assert.Equal(0, new ClassificationReportBuilder(["a", "b"]).Build().MacroF1);
    }

    [Fact]
    public void BatchScoresUseArgMaxAndLossIsWeightedMean()
    {
        var builder = new ClassificationReportBuilder(["neg", "pos"]);
        builder.AddBatch([1, 0], [0.2f, 0.8f, 0.3f, 0.7f]);
        builder.AddLoss(1.0, 2);
        builder.AddLoss(4.0, 1);
        var report = builder.Build();
        Assert.Equal(0.5, report.Accuracy, 12);
        Assert.Equal(2.0, report.Loss!.Value, 12);
        Assert.Equal(2.0, report.Metric(ValidationMetric.Loss), 12);
        Assert.Equal(new Dictionary<string, double> { ["accuracy"] = 0.5, ["macro_f1"] = report.MacroF1, ["loss"] = 2.0 }, report.Metrics());
        Assert.Equal(0, report.PerClass[0].Precision);
    }
}
