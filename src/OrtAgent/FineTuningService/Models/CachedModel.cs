using OrtAgent.Runtime;

namespace OrtAgent.FineTuningService.Models;

/// <summary>
/// One model's place in the cache: its load, started once by whichever request needs it first and run on the thread
/// pool, and the reference the cache holds on what it loaded. An unload only saw a finished load: one that came while
/// a load ran left nobody to release the classifier that load produced, so its native session lived until the process
/// did. Now whichever of the two comes second releases it.
/// </summary>
internal sealed class CachedModel
{
    // Its factory only starts the load, so the lock a Lazy takes is held for no longer than that.
    private readonly Lazy<Task<LoadedModel>> _load;
    private readonly Lock _gate = new();
    private LoadedModel? _held;
    private bool _unloaded;
    private long _lastUse;
    private bool _taken;
    private int _failureReported;

    public CachedModel(Func<LoadedModel> load, Action freeSlot, Action fellIdle) => _load = new(() => Task.Run(() =>
    {
        LoadedModel loaded;
        try
        {
            loaded = load();
        }
        catch
        {
            freeSlot();
            throw;
        }
        loaded.Served.AfterDispose(freeSlot);
        loaded.Served.AfterIdle(fellIdle);
        return Keep(loaded);
    }));

    public CachedModel(LoadedModel loaded)
    {
        _held = loaded;
        _load = new(Task.FromResult(loaded));
    }

    /// <summary>
    /// The load, started by the first call; every request needing the model awaits this one task. Unloaded already,
    /// the model's classifier is released, so <c>TryAcquire</c> fails.
    /// </summary>
    public Task<LoadedModel> LoadTask => _load.Value;

    /// <summary>The model once a load finished and succeeded; null before, and when it failed.</summary>
    public LoadedModel? LoadedOrNull => _load.IsValueCreated && _load.Value.IsCompletedSuccessfully ? _load.Value.Result : null;

    /// <summary>Whether a request has taken the model since its load, from when it may be evicted.</summary>
    public bool Taken
    {
        get => Volatile.Read(ref _taken);
        set => Volatile.Write(ref _taken, value);
    }

    /// <summary>
    /// True for the first caller only: a failed load is logged once, however many requests awaited it, and whether or
    /// not an unload forgot the entry first.
    /// </summary>
    public bool TryClaimFailureReport() => Interlocked.Exchange(ref _failureReported, 1) == 0;

    /// <summary>What the loaded classifier says about itself; null until a load has succeeded.</summary>
    public ClassifierModelInfo? LoadedInfo => LoadedOrNull?.Served.Classifier.Info;

    /// <summary>
    /// When a request last took the model, in the order of the cache's uses (larger is later). Two requests taking it
    /// at once may store their stamps out of order, leaving it one use older than it is: eviction only needs the order
    /// roughly, and a lock on every request would cost more than an early eviction.
    /// </summary>
    public long LastUse
    {
        get => Volatile.Read(ref _lastUse);
        set => Volatile.Write(ref _lastUse, value);
    }

    private LoadedModel Keep(LoadedModel loaded)
    {
        lock (_gate)
        {
            if (!_unloaded)
            {
                _held = loaded;
                return loaded;
            }
        }
        loaded.Served.Release();
        return loaded;
    }

    public void Unload()
    {
        LoadedModel? held;
        lock (_gate)
        {
            _unloaded = true;
            held = _held;
            _held = null;
        }
        held?.Served.Release();
    }
}
