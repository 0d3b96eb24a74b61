using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Mcp;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Encoders;
using static OrtAgent.Tests.FineTuningService.ServedModelsTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// MCP's <c>list_models</c> on the fine-tuning service: each listing read every model's job row and export metadata
/// again, although a succeeded job's model does not change. Each model's description is now read once, and the listing
/// still follows the store: a deleted model goes, a new one comes.
/// </summary>
public sealed class ServedModelsListingTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    [Fact]
    public void ListingAgainReadsNoModelsDescriptionAgainAndFollowsDeletedAndNewModels()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "listing-store"));
        var (firstJob, first) = AddFineTunedModel(store, "first");
        var (_, second) = AddFineTunedModel(store, "second", ToyClassifierModel.Topic);
        var reads = new ConcurrentQueue<string>();
        using var models = new ServedModels(store, Options(store), describe: directory =>
        {
            reads.Enqueue(Path.GetFileName(directory));
            return ReadInfo(directory);
        });
        var tools = new ModelTools(ToolModelCatalog.Live(() => ServiceToolModel.All(models)));

        var listed = tools.ListModels().Models;
        Assert.Equal([first, second], listed.Select(m => m.Name));
        Assert.Equal(2, reads.Count);
        var again = tools.ListModels().Models;
        Assert.Equal(2, reads.Count);
        Assert.Equal(["negative", "positive"], again[0].Labels);
        Assert.Equal(["food", "sports", "other"], again[1].Labels);

        store.UpdateJob(firstJob with { ModelDeleted = true });   // as DELETE /v1/models/{id} does, then unloads
        models.Unload(first);
        var (thirdJob, third) = AddFineTunedModel(store, "third");
        var afterChanges = tools.ListModels().Models;
        Assert.Equal([second, third], afterChanges.Select(m => m.Name));
        Assert.Equal(["negative", "positive"], afterChanges[1].Labels);
        Assert.Equal(["ftjob-" + "first".PadLeft(26, '0'), "ftjob-" + "second".PadLeft(26, '0'), thirdJob.Id], reads);
        Assert.Equal(StatusCodes.Status404NotFound, Assert.Throws<OpenAIApiException>(() => models.Info(first)).StatusCode);
    }

    /// <summary>
    /// A model deleted while its description was being read: the read kept what it read after the delete had dropped
    /// the model's description, so <c>Info</c> answered for the deleted model until the next listing. Now that read is a
    /// 404, and so is every one after it.
    /// </summary>
    [Fact]
    public async Task AModelDeletedWhileItsDescriptionIsReadIsNotDescribedAfterwards()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "deleting-store"));
        var (job, model) = AddFineTunedModel(store);
        using var reading = new ManualResetEventSlim();
        using var deleted = new ManualResetEventSlim();
        using var models = new ServedModels(store, Options(store), describe: directory =>
        {
            reading.Set();
            if (!deleted.Wait(TimeSpan.FromSeconds(20))) throw new TimeoutException("the model was not deleted");
            return ReadInfo(directory);
        });

        var described = Task.Run(() => models.Info(model));
        Assert.True(reading.Wait(TimeSpan.FromSeconds(20)));
        store.UpdateJob(job with { ModelDeleted = true });   // as DELETE /v1/models/{id} does, then unloads
        models.Unload(model);
        deleted.Set();

        var whileRead = await Assert.ThrowsAsync<OpenAIApiException>(() => described.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(StatusCodes.Status404NotFound, whileRead.StatusCode);
        Assert.Equal(StatusCodes.Status404NotFound, Assert.Throws<OpenAIApiException>(() => models.Info(model)).StatusCode);
    }

    /// <summary>
    /// A fine-tuned model whose export records more tokens (32) than its position table has rows (16): the listing read
    /// the record unchecked and described the model as taking 32 tokens, while a chat with it failed to load. The
    /// listing now gives the loader's reason, and the model's description and a chat with it are the same 503.
    /// </summary>
    [Fact]
    public async Task AModelRecordingMoreThanItsPositionTableIsListedUnavailableForTheLoadersReason()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "long-record-store"));
        var (job, model) = AddFineTunedModel(store, "long");
        TinyBertClassifier.Write(store.ModelDirectory(job.Id), recordedMaxLength: 32, new TinyBertOptions { MaxPositions = 16 });
        using var models = new ServedModels(store, Options(store));
        var tools = new ModelTools(ToolModelCatalog.Live(() => ServiceToolModel.All(models)));

        var listed = Assert.Single(tools.ListModels().Models);
        var described = Assert.Throws<OpenAIApiException>(() => models.Info(model));
        var chat = await Assert.ThrowsAsync<OpenAIApiException>(() => models.AcquireAsync(model));

        Assert.Equal(model, listed.Name);
        // The store's directory is written as the model's name, as in every refusal a client reads.
        Assert.Equal($"model '{model}' cannot be loaded: {model}/model.onnx: 'ortagent.max_length' is 32, longer than the 16 rows of model.onnx's position table, "
            + "the longest sequence the model can run", listed.Unavailable);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, described.StatusCode);
        Assert.Equal(listed.Unavailable, described.Message);
        Assert.Equal((chat.StatusCode, chat.Message), (described.StatusCode, described.Message));
    }

    private static ClassifierModelInfo ReadInfo(string directory) =>
        ModelContract.ReadInfo(directory, OnnxModel.ReadMetadata(Path.Combine(directory, ModelContract.ModelFile)));
}
