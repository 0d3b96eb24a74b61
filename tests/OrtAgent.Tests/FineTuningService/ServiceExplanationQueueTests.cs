using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Mcp;
using OrtAgent.Serving;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;
using static OrtAgent.Tests.FineTuningService.ServedModelsTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>explain_text</c> on the fine-tuning service took the explanation queue's one running place, then waited in it for
/// a slot to load its model (up to 30 s), so explanations of models already loaded waited behind it. It now loads the
/// model before it waits for the running place, and takes it only once its turn has come.
/// </summary>
public sealed class ServiceExplanationQueueTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    /// <summary>
    /// Under a bound of 1, the one slot held by a request in flight: an explanation of another fine-tuned model waits
    /// for a slot, while an explanation of the <c>--model</c> directory (loaded at start, outside the bound) is answered;
    /// once the request in flight ends, the waiting one is answered too.
    /// </summary>
    [Fact]
    public async Task AnExplanationWaitingForAModelSlotLeavesTheQueueToLoadedModels()
    {
        var given = Path.Combine(_tiny.Root, "given");
        ToyClassifierModel.Write(given, ToyClassifierModel.Sentiment);
        ModelExporter.AddExplainGraph(given);
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "explained-store"));
        var (_, inUse) = AddFineTunedModel(store, "inuse");
        var (waitingJob, waiting) = AddFineTunedModel(store, "waiting");
        ModelExporter.AddExplainGraph(store.ModelDirectory(waitingJob.Id));
        using var models = new ServedModels(store, Options(store, maxLoadedModels: 1, modelDirectories: [given]));
        var tools = new ExplanationTools(ToolModelCatalog.Live(() => ServiceToolModel.All(models)), new ToolLimits(), new ExplanationQueue(4),
            NullLogger<ExplanationTools>.Instance);
        var held = await models.AcquireAsync(inUse);   // as a request answering on it holds it

        var waitingForASlot = tools.ExplainTextAsync("the movie was great", model: waiting);
        Assert.Equal(1, await Eventually.ReturnsAsync(() => Task.FromResult(models.LoadsWaitingForASlot), count => count == 1, TimeSpan.FromSeconds(30)));
        var explained = await tools.ExplainTextAsync("the movie was great", model: "given").WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("positive", explained.Label);
        Assert.Equal("great", Assert.Single(explained.WordsFor).Word);
        Assert.False(waitingForASlot.IsCompleted);

        held.Served.Release();
        var explainedOnceLoaded = await waitingForASlot.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(waiting, explainedOnceLoaded.Model);
        Assert.Equal("great", Assert.Single(explainedOnceLoaded.WordsFor).Word);
    }

    /// <summary>
    /// A call waiting its turn held its model (since explain_text took the model before the queue's running place): a
    /// model deleted meanwhile was still explained. The call takes it only once its turn comes, and is told it is gone.
    /// </summary>
    [Fact]
    public async Task AModelDeletedWhileItsExplanationWaitsIsToldAsGone()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "deleting-store"));
        var (job, model) = AddFineTunedModel(store, "deleted");
        ModelExporter.AddExplainGraph(store.ModelDirectory(job.Id));
        using var models = new ServedModels(store, Options(store));
        var queue = new ExplanationQueue(4);
        var tools = new ExplanationTools(ToolModelCatalog.Live(() => ServiceToolModel.All(models)), new ToolLimits(), queue, NullLogger<ExplanationTools>.Instance);
        // Loaded beforehand, so the call reaches its wait for the running place at once.
        (await models.AcquireAsync(model)).Served.Release();
        var turn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = queue.RunAsync(() => turn.Task, CancellationToken.None);   // as a long explanation holds the running place

        var waiting = tools.ExplainTextAsync("the movie was great", model: model);
        store.UpdateJob(job with { ModelDeleted = true });   // as DELETE /v1/models/{id} does, then unloads
        models.Unload(model);
        turn.SetResult(0);
        await running;

        var refused = await Assert.ThrowsAsync<McpException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(ServedModelsTests.DeletedModelMessage(model, job.Id), refused.Message);
    }
}
