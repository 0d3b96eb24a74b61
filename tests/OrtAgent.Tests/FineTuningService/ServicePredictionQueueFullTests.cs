using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>serve --fine-tuning</c>'s answers to a model's full prediction queue, over HTTP: <c>/predict</c> a 429 with
/// <c>Retry-After</c> in serve's body, a chat completion a 429 <c>rate_limit_exceeded</c> in OpenAI's envelope, which
/// its libraries retry after the second it names. Tested before at the batcher and on the envelope alone. The model's
/// first batch is held (<see cref="HeldBatch"/>) and a second request fills its queue of one.
/// </summary>
public sealed class ServicePredictionQueueFullTests : BatchingServiceTests
{
    [Fact]
    public async Task PredictAndChatBeyondAFullQueueAre429WithRetryAfterAndTheAdmittedOnesAreAnswered()
    {
        string model = Path.Combine(Tiny.Root, "sentiment");
        ToyClassifierModel.Write(model, ToyClassifierModel.Sentiment);
        var hold = new HeldBatch();
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(Tiny.Root, "store"), Tiny.BaseModel, modelDirectories: [model], maxQueuedTexts: 1,
            beforeStart: app => app.Services.GetRequiredService<BatchPredictorSeam>().Wrap = hold.Around);
        var queueDepth = service.App.Services.GetRequiredService<ServingMetrics>().QueueDepth;
        Task<HttpResponseMessage> running, queued;
        HttpResponseMessage predict, chat;
        try
        {
            running = service.Http.PostAsJsonAsync("/predict", new { inputs = "the movie was great", model = "sentiment" });
            await hold.Entered.WaitAsync(Bound);
            queued = service.Http.PostAsJsonAsync("/predict", new { inputs = "the movie was awful", model = "sentiment" });
            await Eventually.ReturnsAsync(() => Task.FromResult(queueDepth.Value), depth => depth == 1, Bound);

            predict = await service.Http.PostAsJsonAsync("/predict", new { inputs = "one text too many", model = "sentiment" });
            chat = await service.Http.PostAsJsonAsync("/v1/chat/completions", new { model = "sentiment", messages = new[] { new { role = "user", content = "one chat too many" } } });
        }
        finally
        {
            hold.Release();
        }

        const string Full = "the prediction queue is full: 1 text is waiting for the model, at most 1 may, and this request brings 1; try again in a second";
        using (predict)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), predict.Headers.RetryAfter?.Delta);
            Serving.RequestIdTests.RequestIdOf(predict);
            Assert.Equal(Full, await RequestValidationTests.AssertErrorAsync(predict, HttpStatusCode.TooManyRequests, "too_many_requests"));
        }
        using (chat)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), chat.Headers.RetryAfter?.Delta);
            var error = await FineTuningErrorTests.AssertErrorAsync(chat, HttpStatusCode.TooManyRequests);
            Assert.Equal(("rate_limit_exceeded", Full), (error.GetProperty("code").GetString(), error.GetProperty("message").GetString()));
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
