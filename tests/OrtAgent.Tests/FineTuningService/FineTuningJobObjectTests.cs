using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>The job object as sent: an estimated finish the .NET SDK can wait for.</summary>
public sealed class FineTuningJobObjectTests
{
    private const long Now = 1_800_000_000;

    private static JobRecord Job(string status, long? estimatedFinish) => new()
    {
        Id = "ftjob-e", CreatedAt = Now - 60, Model = "tiny", TrainingFile = "file-x", Seed = 1, NEpochs = 1, BatchSize = 1,
        LearningRateMultiplier = 1, Status = status, EstimatedFinish = estimatedFinish,
    };

    /// <summary>
    /// The SDK waits estimated_finish − its own UtcNow and throws on a negative wait: an estimate 1 s ahead of the
    /// server's whole-second clock was already past when the SDK read it. Near or past ones go out as now plus the lead.
    /// </summary>
    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(FineTuningJobObject.EstimatedFinishLeadSeconds - 1)]
    public void ARunningJobsEstimateNearOrPastNowIsSentTheLeadAhead(long ahead) =>
        Assert.Equal(Now + FineTuningJobObject.EstimatedFinishLeadSeconds, FineTuningJobObject.From(Job(JobStatus.Running, Now + ahead), Now).EstimatedFinish);

    [Fact]
    public void AnEstimateBeyondTheLeadIsSentAsItIsAndNoneIsSentUnlessRunning()
    {
        Assert.Equal(Now + 600, FineTuningJobObject.From(Job(JobStatus.Running, Now + 600), Now).EstimatedFinish);
        Assert.Null(FineTuningJobObject.From(Job(JobStatus.Running, null), Now).EstimatedFinish);
        Assert.Null(FineTuningJobObject.From(Job(JobStatus.Paused, Now + 600), Now).EstimatedFinish);
    }
}
