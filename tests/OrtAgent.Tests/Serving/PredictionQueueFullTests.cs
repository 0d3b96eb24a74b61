using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A <c>/predict</c> that finds the model's queue full is a 429 with <c>Retry-After</c>, over HTTP: the batcher's refusal
/// was tested alone, and the route's answer to it only by a reader's probe. The first batch is held in the model
/// (<see cref="HeldBatch"/>), a second request fills a queue of one behind it, and a third is refused; once the batch
/// is let go, both admitted requests are answered.
/// </summary>
public sealed class PredictionQueueFullTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task APredictBeyondAFullQueueIs429WithRetryAfterAndTheAdmittedOnesAreAnswered()
    {
        var hold = new HeldBatch();
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, maxQueuedTexts: 1),
            beforeStart: app => app.Services.GetRequiredService<BatchPredictorSeam>().Wrap = hold.Around);
        var queueDepth = server.App.Services.GetRequiredService<ServingMetrics>().QueueDepth;
        Task<HttpResponseMessage> running, queued;
        HttpResponseMessage refused;
        try
        {
            running = server.PostJsonAsync("/predict", """{"inputs": "the movie was great"}""");
            await hold.Entered.WaitAsync(Bound);
            queued = server.PostJsonAsync("/predict", """{"inputs": "the movie was awful"}""");
            await Eventually.ReturnsAsync(() => Task.FromResult(queueDepth.Value), depth => depth == 1, Bound);

            refused = await server.PostJsonAsync("/predict", """{"inputs": "one text too many"}""");
        }
        finally
        {
            hold.Release();
        }

        using (refused)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            RequestIdTests.RequestIdOf(refused);
            Assert.Equal("the prediction queue is full: 1 text is waiting for the model, at most 1 may, and this request brings 1; try again in a second",
                await RequestValidationTests.AssertErrorAsync(refused, HttpStatusCode.TooManyRequests, "too_many_requests"));
        }
        foreach (var (response, label) in new[] { (await running, "positive"), (await queued, "negative") })
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(label, (await response.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("label").GetString());
            }
        }
    }
}
