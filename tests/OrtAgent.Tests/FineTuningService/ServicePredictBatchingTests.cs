using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>serve --fine-tuning</c> printed serve's "max batch 32" but ran every <c>/predict</c> alone. Each model now has a
/// batcher of its own, as serve's one model has: concurrent requests for a model run as one batch, and a model's batch
/// never waits on another model's. Batches are observed as serve's tests observe them, on <c>/metrics</c>.
/// </summary>
public sealed class ServicePredictBatchingTests : BatchingServiceTests
{
    [Fact]
    public async Task ThirtyTwoConcurrentRequestsForOneModelRunAsOneBatch()
    {
        await using var service = await StartAsync(WaitForAFullBatchMs, "sentiment");
        var sentences = ToyClassifierModel.SentimentSentences().Take(32).ToArray();

        var clients = sentences.Select(async s => (s.Label, Answer: await TopLabelAsync(service, "sentiment", s.Text))).ToArray();
        var answers = await Task.WhenAll(clients).WaitAsync(Bound);

        Assert.All(answers, a => Assert.Equal(a.Label, a.Answer));
        Assert.Equal((1, 32), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service)));
    }

    /// <summary>
    /// 31 requests for <c>first</c> wait for the 32nd text of their batch; meanwhile 32 for <c>second</c> fill and run a
    /// batch of their own. One batcher for the service would have put them all in one queue.
    /// </summary>
    [Fact]
    public async Task AModelsBatchNeverWaitsOnAnotherModelsBatch()
    {
        await using var service = await StartAsync(WaitForAFullBatchMs, "first", "second");
        var sentences = ToyClassifierModel.SentimentSentences().Take(32).ToArray();

        var first = sentences.Take(31).Select(s => TopLabelAsync(service, "first", s.Text)).ToArray();
        var second = await Task.WhenAll(sentences.Select(s => TopLabelAsync(service, "second", s.Text))).WaitAsync(Bound);

        Assert.Equal(sentences.Select(s => s.Label), second);
        Assert.DoesNotContain(first, request => request.IsCompleted);
        Assert.Equal((1, 32), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service)));

        var last = TopLabelAsync(service, "first", sentences[31].Text);
        Assert.Equal(sentences.Select(s => s.Label), await Task.WhenAll([.. first, last]).WaitAsync(Bound));
        Assert.Equal((2, 64), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service)));
    }

    /// <summary>
    /// A request waiting in a model's batcher when the server stops is answered at once: the stop no longer waits out
    /// <c>--max-wait-ms</c> (here longer than the shutdown timeout, where Kestrel reset the connection).
    /// </summary>
    [Fact]
    public async Task ARequestWaitingInAModelsBatcherIsAnsweredWhenTheServerStops()
    {
        await using var service = await StartAsync(WaitForAFullBatchMs, "sentiment");
        var waiting = TopLabelAsync(service, "sentiment", "the movie was great");
        var gate = service.App.Services.GetRequiredService<StoppingGate>();
        Assert.Equal(1, await Eventually.ReturnsAsync(() => Task.FromResult(gate.InFlight), n => n == 1, Bound));
        Assert.False(waiting.IsCompleted);

        using var timeout = new CancellationTokenSource(Bound);
        var stopping = service.App.StopAsync(timeout.Token);
        Assert.Equal("positive", await waiting.WaitAsync(Bound));
        await stopping;
    }

    /// <summary>
    /// A request waiting in a fine-tuned model's batcher when the model is deleted holds the model, as a request running
    /// on it did before batching: it is answered (never a 5xx or a disposed session), a request after the delete is the
    /// 404 of any model not served, and the model (its session, its slot, its batcher) is freed once that request is done.
    /// </summary>
    [Fact]
    public async Task ARequestQueuedWhenItsModelIsDeletedIsAnsweredAndTheModelFreedAfterIt() => await DeleteTheModelWhileARequestWaitsInItsBatchAsync(TopLabelAsync, async (service, model) =>
    {
        using var after = await service.Http.PostAsJsonAsync("/predict", new { inputs = "the movie was great", model });
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Equal("not_found", (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString());
    });

    /// <summary>
    /// With one model's room, a request for a second fine-tuned model evicts the first while a request waits in the
    /// first's batcher: that request is answered on the model it took, whose slot frees after it, and the second model
    /// loads into it and answers. Neither is a 5xx.
    /// </summary>
    [Fact]
    public async Task ARequestQueuedWhenItsModelIsEvictedIsAnsweredAndTheNextModelLoadsAfterIt()
    {
        // A batch of two that waits for its second text, as above: the first model's request waits until the test fills it.
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(Tiny.Root, "evicting-store"), Tiny.BaseModel, maxLoadedModels: 1, maxBatch: 2, maxWaitMs: WaitForAFullBatchMs);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var models = service.App.Services.GetRequiredService<ServedModels>();
        var (_, first) = ServedModelsTests.AddFineTunedModel(store, "first");
        var (_, second) = ServedModelsTests.AddFineTunedModel(store, "second");
        var loaded = await models.AcquireAsync(first);
        loaded.Served.Release();

        var queued = TopLabelAsync(service, first, "the movie was great");
        Assert.True(await Eventually.ReturnsAsync(() => Task.FromResult(loaded.Served.HasUsers), held => held, Bound));
        var held = await models.AcquireAsync(first);
        // Two texts, so that the second model's batch of two is full once it is queued.
        var evicting = TopLabelsAsync(service, second, "boring", "the movie was boring");
        var joining = service.App.Services.GetRequiredService<ModelBatchers>().PredictAsync(held, ["the movie was boring"], CancellationToken.None);
        Assert.Equal("negative", (await joining.WaitAsync(Bound))[0].Label);
        held.Served.Release();

        Assert.Equal("positive", await queued.WaitAsync(Bound));
        Assert.Equal(new[] { "negative", "negative" }, await evicting.WaitAsync(Bound));
        Assert.False(models.Holds(first));
        Assert.Equal(1, models.SessionsAlive);
    }
}
