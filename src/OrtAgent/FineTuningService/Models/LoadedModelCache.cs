using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Models;

/// <summary>
/// The classifiers <see cref="ServedModels"/> has loaded, bounded: the <c>--model</c> directories, pinned, and the
/// fine-tuned models, loaded on first use and evicted when the bound needs their slot. <see cref="ServedModels"/> makes
/// and owns it, and disposes it as it is disposed; it asks that catalogue where a model is and how to word a failure.
/// </summary>
/// <remarks>
/// At most <see cref="FineTuningServiceOptions.MaxLoadedModels"/> fine-tuned models are alive at once, loading, loaded
/// or evicted but still answering a request: each holds an ONNX Runtime session at least as large as its weights, and
/// a service keeps every model its jobs ever produced. A load takes one of those slots first; with none free it evicts
/// the least recently used model (one no request uses first), and waits, at most <see cref="SlotWait"/>, for a slot to
/// free. The bound was checked only after a load, so first requests for many models at once each started a load and
/// the cache held as many as they were. A model's load runs once, on the thread pool, and every request that needs the
/// model meanwhile awaits it holding no thread: they waited on the load's lock, each holding a pool thread for the
/// seconds a load takes. An evicted model's requests in flight finish on it (<see cref="ServedClassifier"/>
/// frees it, and its slot, after its last call); its next request loads it again.
/// The <c>--model</c> directories are pinned (<see cref="Pin"/>): loaded at start to check them, named by the operator
/// one by one, and so bounded by the command line; they hold no slot and are never evicted.
/// </remarks>
internal sealed class LoadedModelCache : IDisposable
{
    private readonly ServedModels _catalogue;
    private readonly int _maxLoaded;
    private readonly Func<string, string, LoadedModel> _load;
    private readonly ConcurrentDictionary<string, CachedModel> _loaded = new(StringComparer.Ordinal);
    // Written only while the catalogue is made, before any request reads it.
    private readonly HashSet<string> _pinned = new(StringComparer.Ordinal);
    // Taken to add an entry, to mark the cache disposed and to withdraw a model, so Dispose and Withdraw see every entry
    // added before them and none after.
    private readonly Lock _adding = new();
    // Models whose delete is under way (Withdraw): no entry is added for them. Under _adding.
    private readonly HashSet<string> _withdrawn = new(StringComparer.Ordinal);
    // Guards the slots and the signal that a slot freed, a loaded model was first taken (it can be evicted from then
    // on), or the service began to stop. A load waiting for a slot awaits that signal rather than blocking a thread:
    // first requests for many models would each park a pool thread for up to SlotWait, and the requests whose end
    // frees their slots need pool threads to finish.
    private readonly Lock _slots = new();
    private TaskCompletionSource _slotsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _sessions;
    // Loads inside TakeSlotAsync, which a model falling idle must wake (FellIdle).
    private int _waitingLoads;
    private long _uses;
    private volatile bool _disposed;
    private volatile bool _stopping;

    /// <param name="catalogue">The catalogue that owns this cache: where a fine-tuned model is, whether it is gone, and the errors that say so.</param>
    /// <param name="maxLoaded">How many fine-tuned models may hold a slot at once.</param>
    /// <param name="load">Loads model id from a directory.</param>
    public LoadedModelCache(ServedModels catalogue, int maxLoaded, Func<string, string, LoadedModel> load)
    {
        _catalogue = catalogue;
        _maxLoaded = maxLoaded;
        _load = load;
    }

    /// <summary>How long a load waits for a slot before its request is a 503: loads and requests take seconds, not minutes.</summary>
    internal static readonly TimeSpan SlotWait = TimeSpan.FromSeconds(30);

    /// <summary>How many fine-tuned models hold a slot: loading, loaded, or evicted but still answering a request.</summary>
    public int SessionsAlive
    {
        get
        {
            lock (_slots) return _sessions;
        }
    }

    /// <summary>Whether the cache has an entry for <paramref name="id"/>: loading, loaded, or a failed load not yet forgotten.</summary>
    public bool Holds(string id) => _loaded.ContainsKey(id);

    /// <summary>How many loads are taking a slot now: waiting for one, or about to find one free.</summary>
    public int LoadsWaitingForASlot => Volatile.Read(ref _waitingLoads);

    /// <summary>Keeps <paramref name="loaded"/>, a <c>--model</c> directory's, as model <paramref name="id"/> for good: it holds no slot and is never evicted.</summary>
    public void Pin(string id, LoadedModel loaded)
    {
        _pinned.Add(id);
        _loaded[id] = new CachedModel(loaded);
    }

    /// <summary>What the loaded classifier of <paramref name="id"/> says about itself; null when none is loaded.</summary>
    /// <exception cref="OpenAIApiException">503 once the service is stopping (this cache is disposed).</exception>
    public ClassifierModelInfo? LoadedInfo(string id, string param)
    {
        if (_disposed) throw Stopping(id, param);
        return _loaded.TryGetValue(id, out var cached) ? cached.LoadedInfo : null;
    }

    /// <summary>
    /// A reference to the classifier serving <paramref name="id"/>; release it with <c>Served.Release()</c>.
    /// </summary>
    /// <param name="id">The model's id.</param>
    /// <param name="param">The request field that named it, for the error envelope.</param>
    /// <param name="cancellationToken">The request's: a wait for a slot or for the model's load stops when its client hangs up.</param>
    /// <exception cref="OpenAIApiException">
    /// 404 for an unknown model, 400 for a base encoder (it has no classifier), 503 for a model that cannot be loaded
    /// (the message says why; the next call tries again) or for which no slot freed within <see cref="SlotWait"/>, and
    /// 503 once the service is stopping (this cache is disposed).
    /// </exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled while the load waited for a slot, or while the request awaited
    /// the model's load (which goes on for the other requests awaiting it).
    /// </exception>
    public async Task<LoadedModel> AcquireAsync(string id, string param, CancellationToken cancellationToken)
    {
        while (true)
        {
            var cached = _loaded.GetValueOrDefault(id);
            if (cached is null)
            {
                if (_disposed) throw Stopping(id, param);
                string directory = _catalogue.FineTunedDirectory(id, param);
                if (!await TakeSlotAsync(id, param, cancellationToken).ConfigureAwait(false)) continue;   // another request added it meanwhile
                cached = Add(id, directory, param);
            }
            var model = await AwaitLoadAsync(id, cached, param, cancellationToken).ConfigureAwait(false);
            if (model.Served.TryAcquire())
            {
                cached.LastUse = Interlocked.Increment(ref _uses);
                MarkTaken(cached);
                return model;
            }
            // Unloaded (deleted, or the service stopping) between the lookup and the acquire, or while it loaded: look
            // again, and answer 404 if it is gone, 503 if the service is stopping.
            Forget(id, cached);
        }
    }

    /// <summary>
    /// The entry that loads the model in <paramref name="directory"/> on first use, holding the slot its caller took:
    /// the entry frees it when its classifier is disposed or its load fails, and this call at once when it adds nothing.
    /// None once disposed: an entry added after <see cref="Dispose"/> had unloaded the others would load a classifier
    /// that nothing ever releases.
    /// </summary>
    /// <exception cref="OpenAIApiException">503: the service is stopping; 404: the model's delete is under way.</exception>
    private CachedModel Add(string id, string directory, string param)
    {
        lock (_adding)
        {
            if (_disposed)
            {
                FreeSlot();
                throw Stopping(id, param);
            }
            if (!_withdrawn.Contains(id))
            {
                // Stamped as used now: left at 0 until its first request stamps it, a model just loaded would be the least
                // recently used of all, first out when another request evicts in that moment.
                var added = new CachedModel(() => _load(id, directory), FreeSlot, FellIdle) { LastUse = Interlocked.Increment(ref _uses) };
                var cached = _loaded.GetOrAdd(id, added);
                if (cached != added) FreeSlot();
                return cached;
            }
            FreeSlot();
        }
        // Its delete is under way (Withdraw): the 404 a deleted model is, told outside the lock, as it reads the store.
        throw _catalogue.NotFound(id, param);
    }

    /// <summary>
    /// Takes a slot for a load of <paramref name="id"/>: a free one, or one an eviction frees, waiting for one at most
    /// <see cref="SlotWait"/>, asynchronously. False when another request added the model meanwhile: it loads it, and
    /// this one takes it.
    /// </summary>
    /// <remarks>
    /// Only models taken since their load go: evicting a load in progress, or one whose request has not yet taken it,
    /// would send that request round to load again, and two requests could keep evicting each other's. An idle model
    /// frees its slot at once; one in use frees it when its last request ends, so each waiter evicts at most one of
    /// those, lest every waiter's wake-up evict another model in use. Once the service stops, a load that finds no slot
    /// free answers at once, evicting nothing: a waiter woken by the stop evicted a model before it answered.
    /// </remarks>
    /// <exception cref="OpenAIApiException">503: no slot freed in time, or the service is stopping.</exception>
    private async Task<bool> TakeSlotAsync(string id, string param, CancellationToken cancellationToken)
    {
        long deadline = Environment.TickCount64 + (long)SlotWait.TotalMilliseconds;
        bool evictedOneInUse = false;
        Interlocked.Increment(ref _waitingLoads);
        try
        {
            return await WaitForSlotAsync().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waitingLoads);
        }

        async Task<bool> WaitForSlotAsync()
        {
            while (true)
            {
                Task changed;
                lock (_slots)
                {
                    if (_disposed) throw Stopping(id, param);
                    if (_loaded.ContainsKey(id)) return false;
                    if (_sessions < _maxLoaded)
                    {
                        _sessions++;
                        return true;
                    }
                    if (_stopping) throw Stopping(id, param);
                    // Taken under the lock: a change after this look completes it, so the wait below cannot miss it.
                    changed = _slotsChanged.Task;
                }
                cancellationToken.ThrowIfCancellationRequested();
                if (Evict(inUseToo: !evictedOneInUse) is { } evicted)
                {
                    evictedOneInUse |= evicted;
                    continue;
                }
                long left = deadline - Environment.TickCount64;
                if (left <= 0) throw Busy(id, param);
                try
                {
                    await changed.WaitAsync(TimeSpan.FromMilliseconds(left), cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw Busy(id, param);
                }
            }
        }
    }

    /// <summary>
    /// Unloads the least recently used fine-tuned model taken since its load, one no request uses before one in use
    /// (only when <paramref name="inUseToo"/>). Returns whether the one evicted was in use, or null when none was.
    /// </summary>
    private bool? Evict(bool inUseToo)
    {
        var candidates = _loaded
            .Where(entry => !_pinned.Contains(entry.Key) && entry.Value.Taken && entry.Value.LoadedOrNull is not null)
            .Select(entry => (Entry: entry, InUse: entry.Value.LoadedOrNull!.Served.HasUsers))
            .Where(candidate => inUseToo || !candidate.InUse)
            .OrderBy(candidate => candidate.InUse).ThenBy(candidate => candidate.Entry.Value.LastUse);
        foreach (var (entry, inUse) in candidates)
        {
            if (!_loaded.TryRemove(entry)) continue;   // unloaded or evicted by another request meanwhile
            entry.Value.Unload();
            return inUse;
        }
        return null;
    }

    /// <summary>
    /// A request released a model, which is idle now: a load waiting for a slot that has already evicted a model in use
    /// may evict this one, so it is told, unless no load waits (the common case, a read per request). Without it, such a
    /// waiter slept through every release of a model that stayed cached and gave up after <see cref="SlotWait"/>.
    /// </summary>
    private void FellIdle()
    {
        // After the release's interlocked decrement, as a waiter counts itself before it looks at who is in use: one of
        // the two sees the other.
        if (Volatile.Read(ref _waitingLoads) > 0) SlotsChanged();
    }

    private void FreeSlot()
    {
        lock (_slots)
        {
            _sessions--;
            SignalSlotsChanged();
        }
    }

    private void SlotsChanged()
    {
        lock (_slots) SignalSlotsChanged();
    }

    // Under _slots. Waiters go on on the thread pool (RunContinuationsAsynchronously), not inside this lock and call.
    private void SignalSlotsChanged()
    {
        _slotsChanged.TrySetResult();
        _slotsChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // A 5xx, as the server's state is at fault; the SDKs retry it, and by then a request has likely ended.
    private OpenAIApiException Busy(string id, string param) =>
        new(StatusCodes.Status503ServiceUnavailable,
            $"model '{id}' cannot be loaded now: the {_maxLoaded} models the service keeps loaded at most are all loading or answering requests; try again in a moment",
            param, "model_unavailable", "server_error");

    // A 5xx, as the server's state is at fault; the SDKs retry it, and a restarted service answers.
    private static OpenAIApiException Stopping(string id, string param) =>
        new(StatusCodes.Status503ServiceUnavailable, $"the service is stopping; model '{id}' is not served until it is back", param, "service_stopping", "server_error");
    /// <summary>
    /// The model <paramref name="cached"/> loads, awaited without a thread. A load that fails fails every request awaiting
    /// it and is not kept: kept, it would fail every later call the same way, even once the model on disk is mended, so the
    /// entry goes and the next call loads again.
    /// </summary>
    /// <remarks>
    /// A request cancelled while the load runs stops waiting; the load goes on for the others. Loaded, the model may then
    /// be evicted as though that request had taken it and let it go: a model no request ever took would hold its slot
    /// until one did.
    /// </remarks>
    /// <exception cref="OpenAIApiException">404: the model was deleted while it loaded; 503: the model on disk cannot be loaded.</exception>
    private async Task<LoadedModel> AwaitLoadAsync(string id, CachedModel cached, string param, CancellationToken cancellationToken)
    {
        var load = cached.LoadTask;
        try
        {
            return await load.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !load.IsFaulted)
        {
            // Nobody may be left to see how the load ends: loaded, the model must become evictable; failed, it must not
            // be kept, or the next request would get this failure without loading again.
            _ = load.ContinueWith(finished =>
            {
                if (finished.IsCompletedSuccessfully) MarkTaken(cached);
                else ForgetFailedLoad(id, cached, finished.Exception?.InnerException);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
        catch (Exception ex)
        {
            // A delete took the model's files from under its load (it marks the store first): the 404 a deleted model is,
            // not a 503, which the SDKs retry.
            if (ForgetFailedLoad(id, cached, ex)) throw _catalogue.NotFound(id, param);
            // Every request awaiting the load gets the 503.
            if (ex is ModelLoadException problem) throw _catalogue.Unavailable(id, param, problem, log: false);
            throw;
        }
    }

    /// <summary>
    /// What a failed load leaves, whoever sees it fail (a request awaiting it, or the continuation of one that stopped
    /// waiting): the entry goes, so the next call loads again, and the log gets a <see cref="ModelLoadException"/> once,
    /// unless a delete took the model's files from under the load. Returns whether one did.
    /// </summary>
    /// <remarks>
    /// The entry's claim (<see cref="CachedModel.TryClaimFailureReport"/>) decides who logs, not who forgot the entry:
    /// decided by that, an unload meanwhile (an eviction, a stop), which forgets the entry for every request, left the
    /// failure unlogged.
    /// </remarks>
    private bool ForgetFailedLoad(string id, CachedModel cached, Exception? failure)
    {
        Forget(id, cached);
        if (_catalogue.IsGone(id)) return true;
        if (failure is ModelLoadException problem && cached.TryClaimFailureReport()) _catalogue.LogUnavailable(id, problem);
        return false;
    }

    /// <summary>Marks <paramref name="cached"/> taken since its load: from now on a load waiting for a slot may evict it, so it is told.</summary>
    private void MarkTaken(CachedModel cached)
    {
        if (cached.Taken) return;
        cached.Taken = true;
        SlotsChanged();
    }

    /// <summary>Drops <paramref name="cached"/> if it is still the entry of <paramref name="id"/> (not one added since); false when it was not.</summary>
    private bool Forget(string id, CachedModel cached) => _loaded.TryRemove(new KeyValuePair<string, CachedModel>(id, cached));

    /// <summary>
    /// Stops serving model <paramref name="id"/>; requests using it finish first. A load still running is left to free
    /// what it loads the moment it finishes.
    /// </summary>
    public void Unload(string id)
    {
        if (_loaded.TryRemove(id, out var cached)) cached.Unload();
    }

    /// <summary>
    /// Withdraws model <paramref name="id"/> while its delete removes its files: it is unloaded, and no load of it begins
    /// until <see cref="Restore"/>, so no request reads a folder being removed.
    /// </summary>
    public void Withdraw(string id)
    {
        lock (_adding) _withdrawn.Add(id);
        Unload(id);
    }

    /// <summary>Ends <see cref="Withdraw"/>: the delete is recorded (the store now says the model is gone), or was refused.</summary>
    public void Restore(string id)
    {
        lock (_adding) _withdrawn.Remove(id);
    }

    /// <summary>Whether model <paramref name="id"/> is withdrawn (<see cref="Withdraw"/>).</summary>
    public bool IsWithdrawn(string id)
    {
        lock (_adding) return _withdrawn.Contains(id);
    }

    /// <summary>
    /// The service has begun to stop: a load waiting for a slot is answered 503 <c>service_stopping</c> now, rather than
    /// holding the stop, which waits for the requests in flight, for up to <see cref="SlotWait"/>. Loads with a slot free,
    /// and the models in use, still answer their requests.
    /// </summary>
    public void StopWaiting()
    {
        _stopping = true;
        SlotsChanged();
    }

    /// <summary>
    /// Unloads every model, as the service stops: a request using one finishes first, a load still running frees what it
    /// loads the moment it finishes, and later acquisitions are refused (503) rather than loading into a cache nobody
    /// will unload again.
    /// </summary>
    public void Dispose()
    {
        lock (_adding) _disposed = true;
        SlotsChanged();   // loads waiting for a slot answer 503 now
        foreach (var id in _loaded.Keys.ToList()) Unload(id);
    }
}
