using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
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
            Assert.StartsWith($"The model '{model}' cannot be loaded: {model}/model.onnx: ONNX Runtime cannot load it", refused.Message);
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
    private sealed class HeldLoads : IDisposable
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
            return ServedModels.Load(id, directory, SingleThreaded);
        }

        public void Open() => _open.Set();

        public void Dispose() => _open.Dispose();
    }
}
