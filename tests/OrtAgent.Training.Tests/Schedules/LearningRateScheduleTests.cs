using OrtAgent.Training.Schedules;

namespace OrtAgent.Training.Tests.Schedules;

public class LearningRateScheduleTests
{
    [Fact]
    public void LinearWarmsUpThenDecaysToZero()
    {
        // 10 steps, 20% warmup = 2 steps: 0, 0.5, then 1 - k/8 for k = 0..7.
        var s = LearningRateSchedule.Create(LearningRateScheduleKind.Linear, 1e-3, 10, 0.2);
        double[] expected = [0, 0.5e-3, 1e-3, 0.875e-3, 0.75e-3, 0.625e-3, 0.5e-3, 0.375e-3, 0.25e-3, 0.125e-3];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], s.RateAt(i), 12);
        Assert.Equal(0, s.RateAt(10), 12);
    }

    [Fact]
    public void CosineFollowsHalfWave()
    {
        var s = LearningRateSchedule.Create(LearningRateScheduleKind.Cosine, 2.0, 4, 0);
        Assert.Equal(2.0, s.RateAt(0), 12);
        Assert.Equal(1.0 + Math.Cos(Math.PI / 4), s.RateAt(1), 12);
        Assert.Equal(1.0, s.RateAt(2), 12);
        Assert.Equal(0.0, s.RateAt(4), 12);
    }

    [Fact]
    public void ConstantStaysAtPeakAfterWarmup()
    {
        var s = LearningRateSchedule.Create(LearningRateScheduleKind.Constant, 0.1, 100, 0.1);
        Assert.Equal(0.05, s.RateAt(5), 12);
        Assert.Equal(0.1, s.RateAt(10), 12);
        Assert.Equal(0.1, s.RateAt(99), 12);
    }

    [Fact]
    public void AWarmupRatioOutsideZeroToOneNamesTheParameter()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Create(LearningRateScheduleKind.Linear, 1e-3, 10, 1.5));
        Assert.Equal("warmupRatio", ex.ParamName);
    }

    [Fact]
    public void AnUndefinedKindNamesTheParameter() =>
        Assert.Equal("kind", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Create((LearningRateScheduleKind)7, 1e-3, 10, 0)).ParamName);

    [Theory]
    [InlineData(LearningRateScheduleKind.Linear, "linear")]
    [InlineData(LearningRateScheduleKind.Cosine, "cosine")]
    [InlineData(LearningRateScheduleKind.Constant, "constant")]
    public void EachKindHasItsShortName(LearningRateScheduleKind kind, string name) => Assert.Equal(name, LearningRateSchedule.NameOf(kind));
}
