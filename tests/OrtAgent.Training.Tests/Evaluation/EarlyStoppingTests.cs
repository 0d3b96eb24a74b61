using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Tests.Evaluation;

public class EarlyStoppingTests
{
    [Fact]
    public void StopsAfterPatienceEvaluationsWithoutImprovement()
    {
        var stopping = new EarlyStopping(ValidationMetric.Accuracy, patience: 2);
        Assert.True(stopping.Record(0.7));
        Assert.True(stopping.Record(0.8));
        Assert.False(stopping.Record(0.8));
        Assert.False(stopping.ShouldStop);
        Assert.False(stopping.Record(0.75));
        Assert.True(stopping.ShouldStop);
        Assert.Equal(0.8, stopping.Best);
    }

    [Fact]
    public void LossIsMinimised()
    {
        var stopping = new EarlyStopping(ValidationMetric.Loss, patience: 1);
        Assert.True(stopping.Record(0.5));
        Assert.True(stopping.Record(0.4));
        Assert.False(stopping.Record(0.45));
        Assert.True(stopping.ShouldStop);
        Assert.True(stopping.Beats(0.3, 0.4));
    }

    [Fact]
    public void ZeroPatienceNeverStops()
    {
        var stopping = new EarlyStopping(ValidationMetric.MacroF1, 0);
        stopping.Record(0.9);
        for (int i = 0; i < 5; i++) stopping.Record(0.1);
        Assert.False(stopping.ShouldStop);
    }

    [Fact]
    public void AnUndefinedMetricNamesTheParameter() =>
        Assert.Equal("metric", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping((ValidationMetric)7, 1)).ParamName);

    [Fact]
    public void ANegativePatienceNamesTheParameter() =>
        Assert.Equal("patience", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(ValidationMetric.Accuracy, -1)).ParamName);

    [Theory]
    [InlineData(ValidationMetric.Accuracy, "accuracy")]
    [InlineData(ValidationMetric.MacroF1, "macro_f1")]
    [InlineData(ValidationMetric.Loss, "loss")]
    public void EachMetricHasOneName(ValidationMetric metric, string name) => Assert.Equal(name, ValidationMetricNames.Of(metric));
}
