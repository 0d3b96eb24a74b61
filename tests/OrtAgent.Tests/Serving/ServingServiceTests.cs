using System.Net;
using OrtAgent.Serving;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Serving;

/// <summary>The service behind <c>ortagent serve</c>: it listens, reports where, and stopping it is a normal return.</summary>
public sealed class ServingServiceTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task ServesUntilCancelledThenReturnsNormally()
    {
        ToyClassifierModel.Write(_work.Path, ToyClassifierModel.Sentiment);
        using var stop = new CancellationTokenSource();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serving = new ServingService().ServeAsync(ServerUnderTest.Options(_work.Path), urls => listening.TrySetResult(urls.Single()), stop.Token);

        var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using (var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) })
        using (var health = await client.GetAsync("/health"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        stop.Cancel();

        await serving.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(serving.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task CancelledBeforeListeningItThrowsAndNeverListens()
    {
        // Only a stop once listening is a normal return; a cancelled start is the CLI's exit 130.
        ToyClassifierModel.Write(_work.Path, ToyClassifierModel.Sentiment);
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        bool listened = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ServingService().ServeAsync(ServerUnderTest.Options(_work.Path), _ => listened = true, stop.Token));
        Assert.False(listened);
    }
}
