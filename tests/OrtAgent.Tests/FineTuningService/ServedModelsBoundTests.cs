using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;
using static OrtAgent.Tests.FineTuningService.ServedModelsTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The bound on the fine-tuned models a service holds loaded: the least recently used goes first, a model in use
/// answers its request before it is freed, loads beyond the bound wait for a slot without holding a thread and stop
/// when their request or the service does; the <c>--model</c> directories are outside it.
/// </summary>
public sealed class ServedModelsBoundTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    /// <summary>
    /// Every fine-tuned model used stayed loaded until it was deleted, so a service's memory grew with each model its
    /// jobs made. Beyond the bound the least recently used is unloaded (not the first loaded: the first is used again
    /// in between), its classifier freed, and the next request for it loads it again and is answered by it.
    /// </summary>
    [Fact]
    public async Task BeyondTheBoundTheLeastRecentlyUsedModelIsUnloadedAndLoadedAgainWhenAskedFor()
    {
        using var served = new TwoModels(Path.Combine(_tiny.Root, "bounded-store"), maxLoadedModels: 2);
        var (models, log, first, second) = (served.Models, served.Log, served.First, served.Second);
        var (_, third) = AddFineTunedModel(served.Store, "third");

        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));
        Assert.Equal("food", await PredictAsync(models, second, "the pizza was great"));
        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));
        Assert.Equal("negative", await PredictAsync(models, third, "the movie was awful"));

        Assert.Equal([first, second, third], log.Ids);
        Assert.Throws<ObjectDisposedException>(() => log.Last(second).Served.Classifier.PredictBatch(["the pizza was great"]));
        Assert.Equal("positive", log.Last(first).Served.Classifier.PredictBatch(["the movie was great"])[0].Label);

        Assert.Equal("food", await PredictAsync(models, second, "the pizza was great"));
        Assert.Equal([first, second, third, second], log.Ids);
        Assert.Throws<ObjectDisposedException>(() => log.Last(first).Served.Classifier.PredictBatch(["the movie was great"]));
        Assert.Equal("negative", await PredictAsync(models, third, "the movie was awful"));
        Assert.Equal(4, log.Ids.Count);
    }

    /// <summary>
    /// A model evicted while a request holds it answers that request: the eviction drops only the cache's reference, so
    /// its classifier is freed when the request releases its own, and the next request loads the model again. Its
    /// session counts against the bound until then: the load that evicted it waits for it to go.
    /// </summary>
    [Fact]
    public async Task AModelEvictedWhileARequestUsesItAnswersThatRequestAndIsFreedBeforeTheNextLoads()
    {
        using var served = new TwoModels(Path.Combine(_tiny.Root, "evicted-store"), maxLoadedModels: 1);
        var (models, log, first, second) = (served.Models, served.Log, served.First, served.Second);

        var inFlight = await models.AcquireAsync(first);
        var secondAnswer = Task.Run(() => PredictAsync(models, second, "the pizza was great"));
        Assert.Equal("positive", inFlight.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        Assert.Equal([first], log.Ids);   // a bound of 1 holds the one session in use
        inFlight.Served.Release();

        Assert.Equal("food", await secondAnswer.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Throws<ObjectDisposedException>(() => inFlight.Served.Classifier.PredictBatch(["the movie was great"]));
        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));
        Assert.Equal([first, second, first], log.Ids);
    }

    /// <summary>
    /// The bound was checked only after a load: first requests for more models than it, at once, each started a load
    /// and the cache held them all until they finished. Five first requests under a bound of 2, the first two loads held
    /// until both have started so the others arrive while they run: no load starts while two other sessions are alive,
    /// and each request is answered by its model.
    /// </summary>
    [Fact]
    public async Task FirstRequestsForMoreModelsThanTheBoundAtOnceNeverHaveMoreSessionsAlive()
    {
        const int bound = 2;
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "concurrent-store"));
        string[] ids = [.. Enumerable.Range(0, 5).Select(i => AddFineTunedModel(store, $"concurrent{i}").Model)];
        using var sessions = new SessionCount(holdFirst: bound);
        using var models = new ServedModels(store, Options(store, maxLoadedModels: bound), sessions.Load);

        var answers = await Task.WhenAll(ids.Select(id => Task.Run(() => PredictAsync(models, id, "the movie was great")))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(answers, answer => Assert.Equal("positive", answer));
        Assert.Equal(ids.Length, sessions.Loads);
        Assert.True(sessions.MostAlive <= bound, $"{sessions.MostAlive} sessions were alive at once under a bound of {bound}");
    }

    /// <summary>
    /// A load that has evicted a model in use may then evict only idle ones, and one falling idle (its request released,
    /// the model still loaded) told it nothing: it slept until its 30 s ran out and answered 503, while an idle model
    /// held the slot it needed. The clean-clone CI's concurrent test met it once. Under a bound of 2, both models in use:
    /// the waiter evicts the least recently used one (still answering its request, so its slot stays taken), then waits;
    /// the other request ends, and the waiter evicts that idle model and loads its own.
    /// </summary>
    [Fact]
    public async Task ALoadWaitingAfterEvictingAModelInUseTakesTheSlotOfOneThatFallsIdle()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "idle-store"));
        string[] ids = [.. Enumerable.Range(0, 3).Select(i => AddFineTunedModel(store, $"idle{i}").Model)];
        using var sessions = new SessionCount(holdFirst: 0);
        using var models = new ServedModels(store, Options(store, maxLoadedModels: 2), sessions.Load);
        var first = await models.AcquireAsync(ids[0]);
        var second = await models.AcquireAsync(ids[1]);

        var waiter = models.AcquireAsync(ids[2]);
        Assert.False(waiter.IsCompleted, "the third model loaded while both slots were taken");
        second.Served.Release();

        var third = await waiter.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("positive", third.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        Assert.Equal("positive", first.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        third.Served.Release();
        first.Served.Release();
        Assert.True(sessions.MostAlive <= 2, $"{sessions.MostAlive} sessions were alive at once under a bound of 2");
    }

    /// <summary>
    /// A load waiting for a slot (the one slot held by a request in flight) stops when its request is cancelled, when
    /// the service begins to stop (503 service_stopping, while the request in flight still answers) and when the models
    /// are disposed, and loads nothing.
    /// </summary>
    [Fact]
    public async Task ALoadWaitingForASlotStopsWhenItsRequestIsCancelledOrTheServiceStops()
    {
        using var served = new TwoModels(Path.Combine(_tiny.Root, "waiting-store"), maxLoadedModels: 1);
        var (models, log, first, second) = (served.Models, served.Log, served.First, served.Second);
        var inFlight = await models.AcquireAsync(first);

        using var hangUp = new CancellationTokenSource();
        var cancelled = models.AcquireAsync(second, cancellationToken: hangUp.Token);
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));

        var waitingAtStop = models.AcquireAsync(second);
        models.StopWaiting();
        Assert.Equal("service_stopping", (await Assert.ThrowsAsync<OpenAIApiException>(() => waitingAtStop.WaitAsync(TimeSpan.FromSeconds(30)))).Code);
        Assert.Equal("positive", inFlight.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        Assert.Equal([first], log.Ids);
        inFlight.Served.Release();

        using var disposed = new TwoModels(Path.Combine(_tiny.Root, "disposed-store"), maxLoadedModels: 1);
        var held = await disposed.Models.AcquireAsync(disposed.First);
        var waitingAtDispose = disposed.Models.AcquireAsync(disposed.Second);
        disposed.Models.Dispose();
        Assert.Equal("service_stopping", (await Assert.ThrowsAsync<OpenAIApiException>(() => waitingAtDispose.WaitAsync(TimeSpan.FromSeconds(30)))).Code);
        Assert.Equal([disposed.First], disposed.Log.Ids);
        held.Served.Release();
    }

    /// <summary>
    /// A load waiting for a slot blocked its thread for up to <see cref="ServedModels.SlotWait"/>: first requests for
    /// more models than the bound each parked a pool thread, while the requests whose end frees a slot need pool threads
    /// to finish, so they ran into the 503s. Twenty-four first requests under a bound of 2, both slots held by requests in
    /// flight: each wait comes back to its caller unfinished, on the caller's thread, so it holds none; once the two in
    /// flight end, every waiter is answered by its model, and no more than two sessions were ever alive.
    /// </summary>
    [Fact]
    public async Task LoadsWaitingForASlotHoldNoThreadAndAreAnsweredAsSlotsFree()
    {
        const int bound = 2, waiters = 24;
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "waiters-store"));
        string[] ids = [.. Enumerable.Range(0, bound + waiters).Select(i => AddFineTunedModel(store, $"waiter{i}").Model)];
        using var sessions = new SessionCount(holdFirst: 0);
        using var models = new ServedModels(store, Options(store, maxLoadedModels: bound), sessions.Load);
        var inFlight = new List<LoadedModel>();
        foreach (var id in ids[..bound]) inFlight.Add(await models.AcquireAsync(id));

        var waiting = new List<Task<LoadedModel>>();
        foreach (var id in ids[bound..])
        {
            var wait = models.AcquireAsync(id);
            Assert.False(wait.IsCompleted, $"the request for {id} did not come back to its caller while it waited for a slot");
            waiting.Add(wait);
        }
        Assert.Equal(bound, sessions.Loads);
        foreach (var model in inFlight) model.Served.Release();

        var answers = await Task.WhenAll(waiting.Select(async wait =>
        {
            var loaded = await wait;
            try
            {
                return loaded.Served.Classifier.PredictBatch(["the movie was great"])[0].Label;
            }
            finally
            {
                loaded.Served.Release();
            }
        })).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(answers, answer => Assert.Equal("positive", answer));
        Assert.Equal(bound + waiters, sessions.Loads);
        Assert.True(sessions.MostAlive <= bound, $"{sessions.MostAlive} sessions were alive at once under a bound of {bound}");
    }

    /// <summary>
    /// A load woken by the service beginning to stop looked for a model to evict before it looked at the stop: a model
    /// that had gone idle while it waited was unloaded, and the slot that freed started a load in a stopping service.
    /// Under a bound of 2, both models held by requests in flight, the load of a third evicts the one of them it may
    /// and waits; the other request ends, leaving its model idle; the stop now answers the waiting load 503
    /// service_stopping at once, and the idle model stays loaded.
    /// </summary>
    [Fact]
    public async Task ALoadWokenByTheStopEvictsNothingAndLoadsNothing()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "woken-store"));
        string[] ids = [.. Enumerable.Range(0, 3).Select(i => AddFineTunedModel(store, $"woken{i}").Model)];
        var log = new LoadLog();
        using var models = new ServedModels(store, Options(store, maxLoadedModels: 2), log.Load);
        var evictedInFlight = await models.AcquireAsync(ids[0]);
        var idleSoon = await models.AcquireAsync(ids[1]);

        var waiting = models.AcquireAsync(ids[2]);
        Assert.False(waiting.IsCompleted);
        idleSoon.Served.Release();
        models.StopWaiting();

        var refused = await Assert.ThrowsAsync<OpenAIApiException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("service_stopping", refused.Code);
        Assert.Equal([ids[0], ids[1]], log.Ids);
        Assert.Equal("positive", idleSoon.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);   // the cache's reference keeps it
        evictedInFlight.Served.Release();
    }

    /// <summary>
    /// The <c>--model</c> directories are outside the bound: only fine-tuned models are evicted. Evicted, a <c>--model</c>
    /// one could never come back, as it is not a fine-tuned model the store can load again.
    /// </summary>
    [Fact]
    public async Task AModelGivenAtStartStaysLoadedWhateverTheFineTunedModelsDo()
    {
        var given = Path.Combine(_tiny.Root, "given-at-start");
        ToyClassifierModel.Write(given, ToyClassifierModel.Topic);
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "pinned-store"));
        var (_, first) = AddFineTunedModel(store, "first");
        var (_, second) = AddFineTunedModel(store, "second");
        var log = new LoadLog();
        using var models = new ServedModels(store, Options(store, maxLoadedModels: 1, modelDirectories: [given]), log.Load);

        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));
        Assert.Equal("negative", await PredictAsync(models, second, "the movie was awful"));
        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));

        Assert.Equal(["given-at-start", first, second, first], log.Ids);
        Assert.Equal("food", log.Last("given-at-start").Served.Classifier.PredictBatch(["the pizza was great"])[0].Label);
        Assert.Equal("food", await PredictAsync(models, "given-at-start", "the pizza was great"));
    }

    private static async Task<string> PredictAsync(ServedModels models, string id, string text)
    {
        var loaded = await models.AcquireAsync(id);
        try
        {
            return loaded.Served.Classifier.PredictBatch([text])[0].Label;
        }
        finally
        {
            loaded.Served.Release();
        }
    }

    /// <summary>
    /// Loads models as the service does and counts, as each load starts, the sessions alive: the earlier loads whose
    /// classifier is not yet disposed, those in progress, and this one. The first <c>holdFirst</c> loads wait until
    /// they have all started, so the requests after them come while they run.
    /// </summary>
    private sealed class SessionCount(int holdFirst) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<LoadedModel> _loaded = [];
        private readonly CountdownEvent _held = new(holdFirst);
        private int _loading;
        private int _mostAlive;

        public int Loads { get { lock (_gate) return _loaded.Count; } }

        public int MostAlive => Volatile.Read(ref _mostAlive);

        public LoadedModel Load(string id, string directory)
        {
            bool held;
            lock (_gate)
            {
                int alive = _loaded.Count(loaded => !IsDisposed(loaded)) + ++_loading;
                _mostAlive = Math.Max(_mostAlive, alive);
                held = _loaded.Count + _loading <= holdFirst;
            }
            var model = ServedModels.Load(id, directory, SingleThreaded);
            if (held)
            {
                _held.Signal();
                if (!_held.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException($"fewer than {holdFirst} loads started");
            }
            lock (_gate)
            {
                _loading--;
                _loaded.Add(model);
            }
            return model;
        }

        private static bool IsDisposed(LoadedModel loaded)
        {
            try
            {
                _ = loaded.Served.Classifier.PredictBatch(["probe"]);
                return false;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        }

        public void Dispose() => _held.Dispose();
    }
}
