using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// What the fine-tuning service's batching tests share: a service serving toy sentiment models from <c>--model</c>
/// directories with the batch settings a test chooses, a <c>/predict</c> client and the <c>/metrics</c> that count batches.
/// </summary>
public abstract class BatchingServiceTests : IDisposable
{
    /// <summary>Long enough that no batch runs because time ran out: a batch of 32 runs when its 32nd text is queued.</summary>
    private protected const int WaitForAFullBatchMs = 10 * 60 * 1000;

    private protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private protected TinyTrainingFixture Tiny { get; } = new();

    public void Dispose()
    {
        Tiny.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected async Task<ServiceUnderTest> StartAsync(int maxWaitMs, params string[] models) => await StartAsync(maxWaitMs, maxBatch: 32, models);

    private protected async Task<ServiceUnderTest> StartAsync(int maxWaitMs, int maxBatch, params string[] models)
    {
        var directories = models.Select(name =>
        {
            string directory = Path.Combine(Tiny.Root, name);
            ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
            return directory;
        }).ToArray();
        return await ServiceUnderTest.StartAsync(Path.Combine(Tiny.Root, "store"), Tiny.BaseModel, modelDirectories: directories, maxBatch: maxBatch, maxWaitMs: maxWaitMs);
    }

    private protected static async Task<string?> TopLabelAsync(ServiceUnderTest service, string model, string text)
    {
        using var response = await service.Http.PostAsJsonAsync("/predict", new { inputs = text, model });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("label").GetString();
    }

    private protected static async Task<string?[]> TopLabelsAsync(ServiceUnderTest service, string model, params string[] texts)
    {
        using var response = await service.Http.PostAsJsonAsync("/predict", new { inputs = texts, model });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(scores => scores[0].GetProperty("label").GetString()).ToArray();
    }

    private protected static async Task<string> MetricsAsync(ServiceUnderTest service)
    {
        using var response = await service.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// A request (by <paramref name="ask"/>) waits in a fine-tuned model's batch of two while the model is deleted: once
    /// it holds the model, the test takes the model too, as a second request in flight would, deletes it, checks a request
    /// after the delete (<paramref name="askAfterDelete"/>: the 404 of a model not served), then fills the batch with its
    /// own text. The waiting request is answered, and the model is freed after both; no timing decides the order.
    /// </summary>
    private protected async Task DeleteTheModelWhileARequestWaitsInItsBatchAsync(Func<ServiceUnderTest, string, string, Task<string?>> ask,
        Func<ServiceUnderTest, string, Task> askAfterDelete)
    {
        await using var service = await StartAsync(WaitForAFullBatchMs, maxBatch: 2);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var models = service.App.Services.GetRequiredService<ServedModels>();
        var (_, model) = ServedModelsTests.AddFineTunedModel(store, "queued");
        // Loaded beforehand, and held by nothing but the cache: a reference beside the cache's is the request's.
        var loaded = await models.AcquireAsync(model);
        loaded.Served.Release();

        var queued = ask(service, model, "the movie was great");
        Assert.True(await Eventually.ReturnsAsync(() => Task.FromResult(loaded.Served.HasUsers), held => held, Bound));
        var held = await models.AcquireAsync(model);
        using (var deleted = await service.Http.DeleteAsync($"/v1/models/{model}"))
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await askAfterDelete(service, model);
        Assert.False(queued.IsCompleted);

        var joining = service.App.Services.GetRequiredService<ModelBatchers>().PredictAsync(held, ["the movie was boring"], CancellationToken.None);
        Assert.Equal("positive", await queued.WaitAsync(Bound));
        Assert.Equal("negative", (await joining.WaitAsync(Bound))[0].Label);
        held.Served.Release();
        Assert.Equal(0, await Eventually.ReturnsAsync(() => Task.FromResult(models.SessionsAlive), alive => alive == 0, Bound));
    }
}
