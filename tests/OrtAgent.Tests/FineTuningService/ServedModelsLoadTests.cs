using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Runtime;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;
using static OrtAgent.Tests.FineTuningService.ServedModelsTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A model's load is one task that every request needing the model meanwhile awaits: they waited on the load's lock,
/// each holding a thread-pool thread for the seconds a load takes.
/// </summary>
public sealed class ServedModelsLoadTests : IDisposable
{
    private const int Requests = 8;

    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    /// <summary>
    /// First requests for one model, its load held open: each comes back to its caller unfinished (the load ran on the
    /// first caller's thread, and the others blocked on its lock), one of them hangs up without taking the load with it,
    /// one load happens, and once it ends every other request is answered by that load's model.
    /// </summary>
    [Fact]
    public async Task FirstRequestsForOneModelAwaitItsOneLoadHoldingNoThread()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "shared-load-store"));
        var (_, model) = AddFineTunedModel(store);
        using var gate = new LoadGate();
        using var models = new ServedModels(store, Options(store), gate.Load);

        using var hangUp = new CancellationTokenSource();
        var abandoned = models.AcquireAsync(model, cancellationToken: hangUp.Token);
        var waiting = Enumerable.Range(0, Requests).Select(_ => models.AcquireAsync(model)).ToList();
        Assert.All(waiting.Append(abandoned), wait => Assert.False(wait.IsCompleted, "a request for the model did not come back to its caller while the model loaded"));
        var loaded = await gate.FirstLoaded.WaitAsync(TimeSpan.FromSeconds(30));
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.All(waiting, wait => Assert.False(wait.IsCompleted));
        gate.Open();

        var served = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(served, answer => Assert.Same(loaded, answer));
        Assert.Equal(1, gate.Loads);
        Assert.Equal(1, models.SessionsAlive);
        Assert.Equal("positive", loaded.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        foreach (var answer in served) answer.Served.Release();
    }

    /// <summary>
    /// A load that fails, awaited by several first requests: each is the 503 a failed load is, the failure is not kept
    /// (nor its slot), and the next request, once the model on disk is mended, loads it again.
    /// </summary>
    [Fact]
    public async Task ALoadThatFailsFailsEveryRequestAwaitingItAndTheNextLoadsAgain()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "failed-load-store"));
        var (job, model) = AddFineTunedModel(store);
        string directory = store.ModelDirectory(job.Id);
        File.WriteAllText(Path.Combine(directory, "model.onnx"), "not a model");
        using var held = new HeldLoads();
        using var models = new ServedModels(store, Options(store), held.Load);

        var waiting = Enumerable.Range(0, Requests).Select(_ => models.AcquireAsync(model)).ToList();
        await held.FirstStarted.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(waiting, wait => Assert.False(wait.IsCompleted));
        held.Open();

        foreach (var wait in waiting)
        {
            var refused = await Assert.ThrowsAsync<OpenAIApiException>(() => wait.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(StatusCodes.Status503ServiceUnavailable, refused.StatusCode);
            Assert.Equal("model_unavailable", refused.Code);
            Assert.StartsWith($"model '{model}' cannot be loaded: {model}/model.onnx: ONNX Runtime cannot load it", refused.Message);
        }
        Assert.Equal(1, held.Loads);
        Assert.Equal(0, models.SessionsAlive);

        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        var mended = await models.AcquireAsync(model).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("positive", mended.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        Assert.Equal(2, held.Loads);
        mended.Served.Release();
    }

    /// <summary>
    /// A model deleted while its first requests awaited its load, which then failed on the files the delete took: each
    /// was a 503 <c>model_unavailable</c> (the SDKs retry it) and the log said nothing, where a model deleted meanwhile is
    /// a 404. The load is held until the delete has marked the store, unloaded the model and removed its folder.
    /// </summary>
    [Fact]
    public async Task AModelDeletedWhileItsFirstRequestsAwaitItsLoadIsA404ForEach()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "deleted-during-load-store"));
        var (job, model) = AddFineTunedModel(store);
        using var held = new HeldLoads();
        using var logs = new RecordingLoggerProvider();
        using var models = new ServedModels(store, Options(store), held.Load) { Logger = logs.CreateLogger("served") };

        var waiting = Enumerable.Range(0, Requests).Select(_ => models.AcquireAsync(model)).ToList();
        await held.FirstStarted.WaitAsync(TimeSpan.FromSeconds(30));
        store.UpdateJob(job with { ModelDeleted = true });   // as DELETE /v1/models/{id} does, then unloads and removes the folder
        models.Unload(model);
        Directory.Delete(store.ModelDirectory(job.Id), recursive: true);
        held.Open();

        foreach (var wait in waiting)
        {
            var refused = await Assert.ThrowsAsync<OpenAIApiException>(() => wait.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal((StatusCodes.Status404NotFound, "model_not_found",
                DeletedModelMessage(model, job.Id)),
                (refused.StatusCode, refused.Code, refused.Message));
        }
        Assert.Equal(1, held.Loads);
        Assert.Equal(0, models.SessionsAlive);
        Assert.Empty(logs.Lines);
    }

    /// <summary>
    /// A load that fails for its own reason after an unload that was no delete (an eviction, the service stopping) had
    /// forgotten its entry: the log got the failure only from a request that forgot the entry, so it got nothing. It is
    /// logged once now, and every request is the 503, its message in the service's style (no capital, no full stop, the
    /// runtime's own message ending in one).
    /// </summary>
    [Fact]
    public async Task ALoadThatFailsAfterAnUnloadIsA503LoggedOnce()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "unloaded-failed-load-store"));
        var (job, model) = AddFineTunedModel(store);
        string directory = store.ModelDirectory(job.Id), vocabulary = Path.Combine(directory, "vocab.txt");
        using var held = new HeldLoads((_, _) => throw new ModelLoadException($"{directory}: BERT vocabulary '{vocabulary}' does not exist."));
        using var logs = new RecordingLoggerProvider();
        using var models = new ServedModels(store, Options(store), held.Load) { Logger = logs.CreateLogger("served") };

        var waiting = Enumerable.Range(0, Requests).Select(_ => models.AcquireAsync(model)).ToList();
        await held.FirstStarted.WaitAsync(TimeSpan.FromSeconds(30));
        models.Unload(model);
        held.Open();

        foreach (var wait in waiting)
        {
            var refused = await Assert.ThrowsAsync<OpenAIApiException>(() => wait.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal((StatusCodes.Status503ServiceUnavailable, "model_unavailable"), (refused.StatusCode, refused.Code));
            Assert.Equal($"model '{model}' cannot be loaded: {model}: BERT vocabulary '{model}/vocab.txt' does not exist", refused.Message);
        }
        var logged = Assert.Single(logs.Lines, line => line.Contains("cannot be loaded", StringComparison.Ordinal));
        Assert.Contains($"{directory}: BERT vocabulary '{vocabulary}' does not exist", logged);
        Assert.Equal(0, models.SessionsAlive);
    }

    /// <summary>
    /// A failed load whose only request hung up while it ran: nobody was left to forget it, so the next request, the
    /// model on disk mended meanwhile, got the old failure instead of loading again.
    /// </summary>
    [Fact]
    public async Task AFailedLoadWhoseOnlyRequestHungUpIsNotKept()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "abandoned-failed-load-store"));
        var (job, model) = AddFineTunedModel(store);
        string directory = store.ModelDirectory(job.Id);
        File.WriteAllText(Path.Combine(directory, "model.onnx"), "not a model");
        using var held = new HeldLoads();
        using var models = new ServedModels(store, Options(store), held.Load);

        using var hangUp = new CancellationTokenSource();
        var abandoned = models.AcquireAsync(model, cancellationToken: hangUp.Token);
        await held.FirstStarted.WaitAsync(TimeSpan.FromSeconds(30));
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(TimeSpan.FromSeconds(30)));
        held.Open();
        for (int round = 0; round < 300 && models.Holds(model); round++) await Task.Delay(100);
        Assert.False(models.Holds(model), "the failed load was kept after its only request hung up");

        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        var mended = await models.AcquireAsync(model).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, held.Loads);
        mended.Served.Release();
    }

    /// <summary>
    /// A model loaded for a request that hung up while it loaded, under a bound of one: no request ever took it, and a
    /// model never taken is not evicted, so a request for another model waited its 30 s for the slot and got a 503.
    /// </summary>
    [Fact]
    public async Task AModelLoadedForARequestThatHungUpGivesUpItsSlot()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "abandoned-load-store"));
        var (_, first) = AddFineTunedModel(store, "first");
        var (_, second) = AddFineTunedModel(store, "second");
        using var gate = new LoadGate();
        using var models = new ServedModels(store, Options(store, maxLoadedModels: 1), gate.Load);

        using var hangUp = new CancellationTokenSource();
        var abandoned = models.AcquireAsync(first, cancellationToken: hangUp.Token);
        await gate.FirstLoaded.WaitAsync(TimeSpan.FromSeconds(30));
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(TimeSpan.FromSeconds(30)));
        gate.Open();

        var other = await models.AcquireAsync(second).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("positive", other.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        Assert.Equal(1, models.SessionsAlive);
        other.Served.Release();
    }

    /// <summary>Loads models as the service does, holding the first before it starts until <see cref="Open"/>.</summary>
    /// <param name="load">What a load does once let go on; <see cref="ServedModels.Load"/> unless a test makes it fail its own way.</param>
    private sealed class HeldLoads(Func<string, string, LoadedModel>? load = null) : IDisposable
    {
        private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _open = new();
        private int _loads;

        public Task FirstStarted => _firstStarted.Task;

        public int Loads => Volatile.Read(ref _loads);

        public LoadedModel Load(string id, string directory)
        {
            if (Interlocked.Increment(ref _loads) == 1)
            {
                _firstStarted.SetResult();
                if (!_open.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the test never let the load go on");
            }
            return load is null ? ServedModels.Load(id, directory, SingleThreaded) : load(id, directory);
        }

        public void Open() => _open.Set();

        public void Dispose() => _open.Dispose();
    }
}
