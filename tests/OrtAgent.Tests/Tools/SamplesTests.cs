using System.Globalization;
using OrtAgent.Bench;

namespace OrtAgent.Tests.Tools;

/// <summary>The order statistics the benchmarks print (tools/bench/Samples.cs, also linked into fine-tuning-bench and load-test).</summary>
public sealed class SamplesTests
{
    [Fact]
    public void TheMedianOfAnOddCountIsTheMiddleValue() => Assert.Equal(2.0, Samples.Median([3.0, 1.0, 2.0]));

    [Fact]
    public void TheMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() => Assert.Equal(2.5, Samples.Median([4.0, 1.0, 3.0, 2.0]));

    [Fact]
    public void TheMedianOfNothingIsNaN() => Assert.True(double.IsNaN(Samples.Median([])));

    /// <summary>
    /// results/2026-12-02-fine-tuning-api-overhead.txt: its four rounds' seconds (train, then API; wall, then CPU). It
    /// printed medians of 0.883 and 0.881, the upper of the middle two, as the tool took them then; the medians are these.
    /// </summary>
    [Fact]
    public void TheApiOverheadRunOf2026_12_02HasMediansOf0_870WallAnd0_880Cpu()
    {
        (double Train, double Api)[] wall = [(23.31, 23.72), (23.17, 19.83), (24.05, 21.24), (25.39, 19.48)];
        (double Train, double Api)[] cpu = [(21.23, 21.92), (21.29, 18.75), (22.77, 20.00), (23.85, 17.99)];

        Assert.Equal("0.870", Samples.Median([.. wall.Select(r => r.Api / r.Train)]).ToString("F3", CultureInfo.InvariantCulture));
        Assert.Equal("0.880", Samples.Median([.. cpu.Select(r => r.Api / r.Train)]).ToString("F3", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(50, 2.0)]
    [InlineData(99, 4.0)]
    [InlineData(0, 1.0)]
    public void APercentileIsTheNearestRank(double percent, double expected) => Assert.Equal(expected, Samples.Percentile([4.0, 1.0, 3.0, 2.0], percent));

    /// <summary>
    /// load-test's p50 and p99 (it kept its own nearest-rank code, p as a fraction, until it took these): the p50 of an
    /// even count is the lower middle value, not the median; the p99 of 100 latencies the 99th smallest; of none, NaN.
    /// </summary>
    [Fact]
    public void LoadTestsP50AndP99AreTheNearestRanks()
    {
        double[] latencies = [.. Enumerable.Range(1, 100).Select(i => (double)(101 - i))];
        Assert.Equal(50.0, Samples.Percentile(latencies, 50));
        Assert.Equal(99.0, Samples.Percentile(latencies, 99));
        Assert.Equal(2.0, Samples.Percentile([3.0, 1.0, 2.0], 50));
        Assert.True(double.IsNaN(Samples.Percentile([], 99)));
    }
}
