using OrtAgent.Training.Evaluation;

namespace OrtAgent.Training.Tests.Evaluation;

public class EarlyStoppingTests
{
    [Fact]
    public void StopsAfterPatienceEvaluationsWithoutImprovement()
    {
        var stopping = new EarlyStopping("accuracy", patience: 2);
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
        var stopping = new EarlyStopping("loss", patience: 1);
        Assert.True(stopping.Record(0.5));
        Assert.True(stopping.Record(0.4));
        Assert.False(stopping.Record(0.45));
        Assert.True(stopping.ShouldStop);
        Assert.True(stopping.Beats(0.3, 0.4));
    }

    [Fact]
    public void ZeroPatienceNeverStops()
    {
        var stopping = new EarlyStopping("macro_f1", 0);
        stopping.Record(0.9);
        for (int i = 0; i < 5; i++) stopping.Record(0.1);
        Assert.False(stopping.ShouldStop);
    }

    [Fact]
    public void UnknownMetricIsUserError() =>
        Assert.StartsWith("--metric 'f2'", Assert.Throws<UserInputException>(() => new EarlyStopping("f2", 1)).Message);
}
