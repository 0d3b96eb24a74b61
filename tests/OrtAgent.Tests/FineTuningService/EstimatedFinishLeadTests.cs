using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A running job's estimated_finish is at least <see cref="FineTuningJobObject.EstimatedFinishLeadSeconds"/> ahead of
/// the moment the job object is made, just before it is written. The lead was counted from now in whole seconds, rounded
/// down, so an answer made at x.9 s was 4.1 s ahead: a client polling every 0.2 s read 38 of 82 estimates under 5 s
/// ahead, though the .NET SDK throws on one already past. The service's clock is set here, not waited on.
/// </summary>
public sealed class EstimatedFinishLeadTests : IDisposable
{
    // Far past the machine's clock, so that an answer from the machine's clock instead of the service's is told apart.
    private const long Second = 2_000_000_000;

    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    [Theory]
    [InlineData(900, -10, 6)]   // overrun: now rounded up, plus the lead
    [InlineData(900, 5, 6)]     // 4.1 s ahead, under the lead
    [InlineData(1, 5, 6)]
    [InlineData(0, 5, 5)]       // on a whole second, the lead exactly
    [InlineData(900, 6, 6)]     // 5.1 s ahead: sent as it is
    [InlineData(900, 600, 600)]
    public async Task TheEstimateIsAtLeastTheLeadAheadOfTheMomentTheJobIsRead(int millisecondsPastTheSecond, long estimateAhead, long sentAhead)
    {
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeSeconds(Second).AddMilliseconds(millisecondsPastTheSecond));
        await using var app = ServiceUnderTest.Build(Path.Combine(_tiny.Root, $"estimate-store-{millisecondsPastTheSecond}-{estimateAhead}"), _tiny.BaseModel,
            new RecordingLoggerProvider(), configureServices: services => services.AddSingleton<TimeProvider>(clock));
        var store = app.Services.GetRequiredService<FineTuningStore>();
        var job = new JobRecord
        {
            Id = "ftjob-" + "estimate".PadLeft(26, '0'), CreatedAt = Second - 60, Model = "tiny", TrainingFile = "file-none", Seed = 1, NEpochs = 2, BatchSize = 2,
            LearningRateMultiplier = 1, Status = JobStatus.Running,
        };
        store.AddJob(job);
        store.SetEstimatedFinish(job.Id, Second + estimateAhead);
        var jobs = app.Services.GetRequiredService<IFineTuningJobs>();

        long? single = jobs.Get(job.Id).EstimatedFinish, listed = jobs.List().Data.Single().EstimatedFinish;

        Assert.Equal(Second + sentAhead, single);
        Assert.Equal(Second + sentAhead, listed);
        Assert.True(DateTimeOffset.FromUnixTimeSeconds(single!.Value) - clock.GetUtcNow() >= TimeSpan.FromSeconds(FineTuningJobObject.EstimatedFinishLeadSeconds));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
