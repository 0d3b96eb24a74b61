using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>ortagent_batch_size{model}</c> kept a series for every model the service ever classified with, deleted ones
/// included, for as long as it ran: a deleted model's series goes with it, whether it was loaded, evicted, or still
/// answering a request that held it across the delete. Models that exist keep theirs.
/// </summary>
public sealed class ServiceModelMetricsTests : BatchingServiceTests
{
    private static async Task DeleteAsync(ServiceUnderTest service, string model)
    {
        using var deleted = await service.Http.DeleteAsync($"/v1/models/{model}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }

    [Fact]
    public async Task ADeletedModelsBatchSizeSeriesGoesAndAnotherModelsStays()
    {
        await using var service = await StartAsync(maxWaitMs: 1, "kept");
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var (_, model) = ServedModelsTests.AddFineTunedModel(store, "deleted");
        Assert.Equal("positive", await TopLabelAsync(service, model, "the movie was great"));
        Assert.Equal("positive", await TopLabelAsync(service, "kept", "the movie was great"));
        Assert.Equal((1, 1), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service), model));

        await DeleteAsync(service, model);

        string metrics = await MetricsAsync(service);
        Assert.Equal((0, 0), ConcurrencyTests.BatchSizeIn(metrics, model));
        Assert.Equal((1, 1), ConcurrencyTests.BatchSizeIn(metrics, "kept"));
    }

    /// <summary>An evicted model still exists and keeps its series; deleted once evicted (no classifier left), it goes.</summary>
    [Fact]
    public async Task AnEvictedModelKeepsItsSeriesUntilItIsDeleted()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(Tiny.Root, "evicting-store"), Tiny.BaseModel, maxLoadedModels: 1, maxWaitMs: 1);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var models = service.App.Services.GetRequiredService<ServedModels>();
        var (_, first) = ServedModelsTests.AddFineTunedModel(store, "first");
        var (_, second) = ServedModelsTests.AddFineTunedModel(store, "second");
        Assert.Equal("positive", await TopLabelAsync(service, first, "the movie was great"));
        Assert.Equal("negative", await TopLabelAsync(service, second, "the movie was boring"));
        Assert.False(models.Holds(first));
        Assert.Equal((1, 1), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service), first));

        await DeleteAsync(service, first);

        string metrics = await MetricsAsync(service);
        Assert.Equal((0, 0), ConcurrencyTests.BatchSizeIn(metrics, first));
        Assert.Equal((1, 1), ConcurrencyTests.BatchSizeIn(metrics, second));
    }

    /// <summary>
    /// A request that holds the model across its delete and classifies only then makes the model's first batcher, and
    /// with it the series the delete had already dropped: the series is there while that request runs on the model,
    /// and goes when the model is freed after it.
    /// </summary>
    [Fact]
    public async Task ASeriesMadeByARequestThatHeldTheModelAcrossItsDeleteGoesWhenTheModelIsFreed()
    {
        await using var service = await StartAsync(maxWaitMs: 1);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var models = service.App.Services.GetRequiredService<ServedModels>();
        var (_, model) = ServedModelsTests.AddFineTunedModel(store, "held");
        var held = await models.AcquireAsync(model);

        await DeleteAsync(service, model);
        var predictions = await service.App.Services.GetRequiredService<ModelBatchers>().PredictAsync(held, ["the movie was great"], CancellationToken.None);
        Assert.Equal("positive", predictions[0].Label);
        Assert.Equal((1, 1), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service), model));

        held.Served.Release();
        Assert.Equal(0, models.SessionsAlive);
        Assert.Equal((0, 0), ConcurrencyTests.BatchSizeIn(await MetricsAsync(service), model));
    }
}
