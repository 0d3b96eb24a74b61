using System.Net;
using OrtAgent.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>Stopping the server lets requests in flight finish; a replaced classifier lives until its last batch ends.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task ARequestWaitingInTheBatcherIsAnsweredWhileTheServerStops()
    {
        // A batching window longer than the test keeps the request queued in the batcher until the stop runs it.
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, maxWaitMs: 10 * 60 * 1000));
        var inFlight = server.PostJsonAsync("/predict", """{"inputs": "a terrible film"}""");
        // In the pipeline and unanswered: with a batch of 32 and that window, it waits in the batcher (which has taken it
        // off its queue, so the queue-depth gauge reads 0).
        var gate = server.App.Services.GetRequiredService<StoppingGate>();
        Assert.Equal(1, await Eventually.ReturnsAsync(() => Task.FromResult(gate.InFlight), n => n == 1));
        Assert.False(inFlight.IsCompleted);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var stopping = server.App.StopAsync(timeout.Token);
        using var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(15));
        await stopping;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("negative", (await PredictEndpointTests.ReadScoresAsync(response))[0].Label);
    }

    [Fact]
    public void AServedClassifierIsDisposedOnlyWhenItsLastUserReleasesIt()
    {
        using var directory = new TempDirectory("served");
        ToyClassifierModel.Write(directory.Path, ToyClassifierModel.Sentiment);
        var served = new ServedClassifier(TextClassifier.Load(directory.Path));
        Assert.True(served.TryAcquire());      // a batch starts
        served.Release();                      // the slot lets go after a reload

        Assert.Equal("positive", served.Classifier.Predict("great").Label);
        served.Release();                      // the batch ends

        // Released for good: no later batch may take it (its native session is gone).
        Assert.False(served.TryAcquire());
    }

    [Fact]
    public async Task AStopPastTheShutdownTimeoutSaysHowManyRequestsItCutsOff()
    {
        // Two SIGTERMed requests got reset connections after 30 s of draining, and the server's log said nothing of them.
        var log = new RecordingLoggerProvider();
        using var loggers = new LoggerFactory([log]);
        var lifetime = new ApplicationLifetime(loggers.CreateLogger<ApplicationLifetime>());
        using var gate = new StoppingGate(lifetime, new ServingOptions { ShutdownTimeout = TimeSpan.FromSeconds(7) }, loggers.CreateLogger<StoppingGate>());
        var never = new TaskCompletionSource();
        var inFlight = gate.InvokeAsync(new DefaultHttpContext(), _ => never.Task);

        using var timedOut = new CancellationTokenSource();
        timedOut.Cancel();
        await gate.StoppingAsync(timedOut.Token).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(log.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal)
            && line.Contains("waited 7 s, the shutdown timeout, and 1 request(s) were still in flight", StringComparison.Ordinal));
        never.SetResult();
        await inFlight;
    }
}
