using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A service runs job after job for weeks: a job that has ended holds none of the temporary names its writes were
/// given (checkpoint files, the exported model's staging folder, explain.onnx, the step-metrics log). Each stayed
/// held for the life of the process before 2026-12-06, so the list grew with every job.
/// </summary>
public sealed class JobTemporaryNamesTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    [Fact]
    public async Task ASucceededJobHoldsNoTemporaryNameInTheStore()
    {
        var trained = await fixture.TrainedAsync();
        Assert.Equal("succeeded", trained.Final.GetProperty("status").GetString());

        var held = TemporarySiblings.HeldUnder(fixture.Store);
        Assert.True(held.Count == 0, $"{held.Count} names still held: {string.Join(", ", held.Select(name => Path.GetRelativePath(fixture.Store, name)))}");
    }
}
