using OrtAgent.Commands;
using OrtAgent.FineTuning;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Tests.Commands;

public sealed class TrainSummaryTests
{
    private static TrainJobResult Result(bool resumed) => new("model", "artifacts", BestReport: null, ValidationMetric.Accuracy, BestMetric: null,
        Steps: 40, StoppedEarly: false, TimeSpan.FromSeconds(25), Promotion: null, Resumed: resumed);

    /// <summary>A resumed train's summary printed "time 00:00:25" as if it were the whole run's.</summary>
    [Fact]
    public void AResumedRunsTimeSaysItIsThisCallsOnly()
    {
        Assert.Equal("00:00:25 (this call only: the run was resumed)", TrainSummary.Rows(Result(resumed: true)).Single(r => r.Name == "time").Value);
        Assert.Equal("00:00:25", TrainSummary.Rows(Result(resumed: false)).Single(r => r.Name == "time").Value);
    }
}
