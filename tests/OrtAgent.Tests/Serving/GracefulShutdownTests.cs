using System.Net;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>Stopping the server lets requests in flight finish; a replaced classifier lives until its last batch ends.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task ARequestWaitingInTheBatcherIsAnsweredWhileTheServerStops()
    {
        // A long batching window keeps the request queued in the batcher when shutdown begins.
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, maxWaitMs: 1500));
        var inFlight = server.PostJsonAsync("/predict", """{"inputs": "a terrible film"}""");
        await Eventually.ReturnsAsync(async () =>
        {
            using var metrics = await server.GetAsync("/metrics");
            return await metrics.Content.ReadAsStringAsync();
        }, text => text.Contains("ortagent_queue_depth 1"));

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
}
