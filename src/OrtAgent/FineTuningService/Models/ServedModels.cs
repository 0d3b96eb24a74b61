using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrtAgent.BaseModels;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Models;

/// <summary>
/// The models the service knows: base encoders (listed and fine-tunable, not servable), the directories given with
/// <c>--model</c> (served under their folder name), and the models its jobs produced (<c>ft:BASE:SUFFIX:JOB</c>), which
/// are loaded on first use, so a job's model is served the moment the job succeeds.
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
/// The <c>--model</c> directories are pinned: loaded at start to check them, named by the operator one by one, and so
/// bounded by the command line. Listing reads what a model says about itself (<see cref="Info"/>) from its export's
/// metadata, never through a load, so a listing neither fills the cache nor evicts what requests use; and once per
/// model, as a succeeded job's export does not change.
/// </remarks>
internal sealed class ServedModels : IDisposable
{
    // Set once, after the constructor has checked and loaded the --model and --base-model directories (UseStore): a
    // start refused for one of them must not have opened, created or migrated the store.
    private FineTuningStore _store = null!;
    private readonly FineTuningServiceOptions _options;
    private readonly ConcurrentDictionary<string, CachedModel> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _userModels = new(StringComparer.Ordinal);
    private readonly Func<string, string, LoadedModel> _load;
    private readonly Func<string, ClassifierModelInfo> _describe;
    // What each model listed says about itself, read from its export once: MCP's list_models asks every model on every
    // listing, and read again each time it cost a job-row query and a read of each model.onnx's metadata.
    private readonly ConcurrentDictionary<string, ClassifierModelInfo> _descriptions = new(StringComparer.Ordinal);
    // Taken to add an entry and to mark the cache disposed, so Dispose sees every entry added before it and none after.
    private readonly Lock _adding = new();
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

    /// <summary>How many fine-tuned models hold a slot: loading, loaded, or evicted but still answering a request.</summary>
    internal int SessionsAlive
    {
        get
        {
            lock (_slots) return _sessions;
        }
    }

    /// <summary>Whether the cache has an entry for <paramref name="id"/>: loading, loaded, or a failed load not yet forgotten.</summary>
    internal bool Holds(string id) => _loaded.ContainsKey(id);

    /// <summary>How many loads are taking a slot now: waiting for one, or about to find one free.</summary>
    internal int LoadsWaitingForASlot => Volatile.Read(ref _waitingLoads);

    /// <summary>How long a load waits for a slot before its request is a 503: loads and requests take seconds, not minutes.</summary>
    internal static readonly TimeSpan SlotWait = TimeSpan.FromSeconds(30);
    // The base encoders and --model directories are listed as created when the service started serving them: the
    // packaged bases may not be downloaded yet, so no file of theirs has a time to give (0 showed as 1970-01-01).
    private readonly long _startedAt = FineTuningStore.Now();

    /// <param name="store">Where the fine-tuned models are.</param>
    /// <param name="options">The <c>--model</c> and <c>--base-model</c> directories, how classifiers are loaded, and how many stay loaded.</param>
    /// <param name="load">Loads model id from a directory; <see cref="Load"/> with <paramref name="options"/>' classifier settings when null (tests wrap it to hold a load open).</param>
    /// <param name="describe">Reads what the model in a directory says about itself without loading it; <see cref="Describe"/> when null (tests wrap it to count reads).</param>
    public ServedModels(FineTuningStore store, FineTuningServiceOptions options, Func<string, string, LoadedModel>? load = null,
        Func<string, ClassifierModelInfo>? describe = null)
        : this(options, load, describe)
    {
        UseStore(store);
    }

    /// <summary>
    /// Checks the <c>--base-model</c> directories and loads the <c>--model</c> ones, before any store is opened; the
    /// store follows with <see cref="UseStore"/>.
    /// </summary>
    /// <exception cref="UserInputException">A <c>--model</c> or <c>--base-model</c> directory cannot be served.</exception>
    public ServedModels(FineTuningServiceOptions options, Func<string, string, LoadedModel>? load = null, Func<string, ClassifierModelInfo>? describe = null)
    {
        _options = options;
        _load = load ?? ((id, directory) => Load(id, directory, options.Classifier));
        _describe = describe ?? Describe;
        foreach (var (name, directory) in options.BaseModels) CheckBaseModel(name, directory);
        foreach (var directory in options.ModelDirectories)
        {
            string id = ServingEndpoints.ModelName(directory);
            if (!_userModels.TryAdd(id, directory)) throw new UserInputException($"--model {directory}: another --model is also named '{id}'");
            try
            {
                // Loaded now, so that a bad --model stops the service at start rather than on the first request.
                var loaded = _load(id, directory);
                _loaded[id] = new CachedModel(loaded);
                // Before the host and its loggers exist; stderr, as stdout may carry MCP's JSON-RPC.
                if (Inference.Int8OnGpu.Warning(directory, loaded.Served.Classifier.Info, options.Classifier.Session.Device) is { } warning)
                    Console.Error.WriteLine($"warning: {warning}");
            }
            catch (ModelLoadException ex)
            {
                // The load's message starts with the directory, which the option already names.
                string problem = Cli.OptionFlags.Describe(ex);
                string named = directory + ": ";
                throw new UserInputException($"--model {directory}: {(problem.StartsWith(named, StringComparison.Ordinal) ? problem[named.Length..] : problem)}", ex);
            }
        }
    }

    /// <summary>The store whose fine-tuned models are served besides the <c>--model</c> ones; given once.</summary>
    public void UseStore(FineTuningStore store)
    {
        if (_store is not null) throw new InvalidOperationException("the served models already have their store");
        _store = store;
    }

    /// <summary>
    /// A base model given by name is checked when the service starts: a job naming a missing or unusable one failed
    /// only once it ran, blaming its training file. The name must not hide a packaged model nor hold the ':' of
    /// fine-tuned model ids.
    /// </summary>
    private static void CheckBaseModel(string name, string directory)
    {
        string given = $"--base-model {name}={directory}";
        if (PackagedBaseModelCatalog.Find(name) is not null)
            throw new UserInputException($"{given}: '{name}' is a packaged base model; give this one another name");
        if (name.AsSpan().IndexOfAny(":/ ") >= 0)
            throw new UserInputException($"{given}: a base model's name holds no ':', '/' or space (fine-tuned models are named ft:BASE:SUFFIX:JOB)");
        if (File.Exists(directory))
            throw new UserInputException($"{given}: is a file; a base model is a directory holding model.onnx and vocab.txt");
        try
        {
            _ = Training.BaseModels.BaseModel.Open(directory);
        }
        catch (UserInputException ex)
        {
            throw new UserInputException($"{given}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Where a model that cannot be loaded is told in full, its files' paths included (its clients are told without
    /// them): the host's once it has loggers, which is after this cache checked the <c>--model</c> directories.
    /// </summary>
    internal ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>The base encoders a job may start from: the packaged ones and those configured by name.</summary>
    public IEnumerable<string> BaseNames => PackagedBaseModelCatalog.All.Select(m => m.Name).Concat(_options.BaseModels.Keys).Distinct();

    /// <summary>The directory (or packaged name) the trainer resolves a base name to.</summary>
    public string BaseModelLocation(string name) => _options.BaseModels.TryGetValue(name, out var directory) ? directory : name;

    public bool IsBase(string id) => BaseNames.Contains(id, StringComparer.Ordinal);

    /// <summary>Every model, base encoders first.</summary>
    public IReadOnlyList<ModelObject> List()
    {
        var fineTuned = _store.JobsWithModels().Select(FineTunedObject).ToList();
        // A model deleted since it was described is not listed, nor kept described.
        var listed = fineTuned.Select(model => model.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in _descriptions.Keys)
            if (!listed.Contains(id) && !_userModels.ContainsKey(id)) _descriptions.TryRemove(id, out _);
        return [.. BaseNames.Select(BaseObject), .. _userModels.Keys.Select(UserObject), .. fineTuned];
    }

    /// <summary>
    /// Model <paramref name="id"/> as <see cref="List"/> shows it, or null: looked up by itself (a base name, a
    /// <c>--model</c> name, else the store's job for a fine-tuned id), as listing every model to find one queried every
    /// job with a model for each GET, DELETE and job creation.
    /// </summary>
    public ModelObject? Find(string id) =>
        IsBase(id) ? BaseObject(id)
        : _userModels.ContainsKey(id) ? UserObject(id)
        : FineTunedJob(id) is { } job ? FineTunedObject(job)
        : null;

    private ModelObject BaseObject(string name) => new(name, _startedAt, "ortagent");

    private ModelObject UserObject(string id) => new(id, _startedAt, "user");

    private static ModelObject FineTunedObject(JobRecord job) => new(job.FineTunedModel!, job.FinishedAt ?? job.CreatedAt, "user");

    /// <summary>The succeeded job whose model <paramref name="id"/> is, or null.</summary>
    public JobRecord? FineTunedJob(string id) =>
        JobIdOf(id) is string jobId && _store.GetJob(jobId) is { Status: JobStatus.Succeeded, ModelDeleted: false } job && job.FineTunedModel == id ? job : null;

    /// <summary>OpenAI's naming: <c>ft:minilm:reviews:ftjob-abc</c>; the suffix may be empty.</summary>
    public static string FineTunedId(string baseName, string? suffix, string jobId) => $"ft:{baseName}:{suffix}:{jobId}";

    /// <summary>The base encoder a fine-tuned id was trained from (its second segment).</summary>
    public static string? BaseOf(string id) => id.StartsWith("ft:", StringComparison.Ordinal) ? id.Split(':')[1] : null;

    private static string? JobIdOf(string id) => id.StartsWith("ft:", StringComparison.Ordinal) ? id[(id.LastIndexOf(':') + 1)..] : null;

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
    public async Task<LoadedModel> AcquireAsync(string id, string param = "model", CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var cached = _loaded.GetValueOrDefault(id);
            if (cached is null)
            {
                if (_disposed) throw Stopping(id, param);
                string directory = FineTunedDirectory(id, param);
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
    /// What model <paramref name="id"/> says about itself (labels, base model, recorded metrics), for listings: from the
    /// classifier when it is loaded, otherwise from its export's metadata and files, without loading it, read once and
    /// kept while the model is listed. One whose description cannot be read is read again at the next call.
    /// </summary>
    /// <exception cref="OpenAIApiException">As <see cref="AcquireAsync"/>: 404, 400, 503 for a model whose description cannot be read, 503 once stopping.</exception>
    public ClassifierModelInfo Info(string id, string param = "model")
    {
        if (_disposed) throw Stopping(id, param);
        if (_loaded.TryGetValue(id, out var cached) && cached.LoadedInfo is { } loaded) return loaded;
        if (_descriptions.TryGetValue(id, out var described)) return described;
        string directory = _userModels.GetValueOrDefault(id) ?? FineTunedDirectory(id, param);
        ClassifierModelInfo info;
        try
        {
            info = _describe(directory);
        }
        catch (Exception ex) when (ex is ModelLoadException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // Deleted since its directory was found: the 404 it now is, not a model that cannot be loaded.
            if (!_userModels.ContainsKey(id)) _ = FineTunedDirectory(id, param);
            throw Unavailable(id, param, ex);
        }
        _descriptions[id] = info;
        // A delete while the description was read found nothing to drop, and kept, the description answered for the
        // deleted model until the next listing. Kept first and looked at after: a delete marks the store before it
        // unloads, so one this look misses drops the description itself.
        if (!_userModels.ContainsKey(id) && FineTunedJob(id) is null)
        {
            _descriptions.TryRemove(id, out _);
            throw NotFound(id, param);
        }
        return info;
    }

    /// <summary>
    /// What the model exported to <paramref name="directory"/> says about itself, from its metadata and files, held to its
    /// position table as a load holds it: a listing read the record unchecked and offered a model no chat could load.
    /// </summary>
    /// <exception cref="ModelLoadException">The export cannot be read, or records a max length longer than its position table.</exception>
    private static ClassifierModelInfo Describe(string directory) =>
        ModelContract.ReadInfo(directory, OnnxModel.ReadMetadata(Path.Combine(directory, ModelContract.ModelFile)));

    /// <summary>Why a base encoder is not classified with, as the chat route and the MCP tools say it.</summary>
    public static string BaseNotServable(string id) => $"'{id}' is a base encoder without a classifier head; fine-tune it first and use the fine-tuned model";

    /// <summary>
    /// Refuses model <paramref name="id"/> as <see cref="AcquireAsync"/> would, without loading it: a <c>--model</c> model
    /// or one already loaded answers from memory, so a request naming a served model costs no store read.
    /// </summary>
    /// <exception cref="OpenAIApiException">400 for a base encoder, 404 for a model that is not (or no longer) here.</exception>
    public void RequireServable(string id, string param = "model")
    {
        if (!IsBase(id) && (_userModels.ContainsKey(id) || _loaded.ContainsKey(id))) return;
        _ = FineTunedDirectory(id, param);
    }

    /// <summary>Where the fine-tuned model <paramref name="id"/> is.</summary>
    /// <exception cref="OpenAIApiException">400 for a base encoder, 404 for a model that is not (or no longer) here.</exception>
    private string FineTunedDirectory(string id, string param)
    {
        if (IsBase(id))
            throw OpenAIApiException.BadRequest(BaseNotServable(id), param, "model_not_servable");
        var job = FineTunedJob(id) ?? throw NotFound(id, param);
        return _store.ModelDirectory(job.Id);
    }

    private static readonly System.Text.RegularExpressions.Regex CheckpointId = new(@"^ft:[^:]*:[^:]*:(?<job>ftjob-[^:]+):ckpt-step-(?<step>\d+)$");

    /// <summary>
    /// The 404 for model <paramref name="id"/>, which is not here. A job's checkpoint id (<c>ft:…:JOB:ckpt-step-N</c>, from
    /// its checkpoint list) is told as what it is, with the model to use instead.
    /// </summary>
    public OpenAIApiException NotFound(string id, string param = "model")
    {
        if (CheckpointId.Match(id) is { Success: true } checkpoint && _store.GetJob(checkpoint.Groups["job"].Value) is { } job)
        {
            // FineTunedJob's test, on the record in hand.
            string instead = job is { Status: JobStatus.Succeeded, ModelDeleted: false, FineTunedModel: not null } ? $"use the job's fine_tuned_model, {job.FineTunedModel}"
                : job.FineTunedModel is not null ? $"the job's fine_tuned_model, {job.FineTunedModel}, was deleted"
                : $"the job is {job.Status}; its fine_tuned_model is served once it succeeds";
            return OpenAIApiException.NotFound(
                $"'{id}' is the checkpoint record of fine-tuning job {job.Id} at step {checkpoint.Groups["step"].Value}, not a servable model; {instead}",
                param, "model_not_found");
        }
        // A job's own model id, asked for before the job has made it (a client polling with the id it expects).
        if (JobIdOf(id) is { } jobId && _store.GetJob(jobId) is { FineTunedModel: null } unfinished
            && FineTunedId(BaseOf(id)!, unfinished.Suffix, unfinished.Id) == id)
            return OpenAIApiException.NotFound(unfinished.MayStillTrain
                ? $"model '{id}' does not exist yet: fine-tuning job {unfinished.Id} is {unfinished.Status}, and its fine_tuned_model is served once it succeeds"
                : $"model '{id}' does not exist: fine-tuning job {unfinished.Id} is {unfinished.Status} and made no model", param, "model_not_found");
        return OpenAIApiException.NotFound($"model '{id}' does not exist", param, "model_not_found");
    }

    /// <summary>
    /// The entry that loads the model in <paramref name="directory"/> on first use, holding the slot its caller took:
    /// the entry frees it when its classifier is disposed or its load fails, and this call at once when it adds nothing.
    /// None once disposed: an entry added after <see cref="Dispose"/> had unloaded the others would load a classifier
    /// that nothing ever releases.
    /// </summary>
    /// <exception cref="OpenAIApiException">503: the service is stopping.</exception>
    private CachedModel Add(string id, string directory, string param)
    {
        lock (_adding)
        {
            if (_disposed)
            {
                FreeSlot();
                throw Stopping(id, param);
            }
            // Stamped as used now: left at 0 until its first request stamps it, a model just loaded would be the least
            // recently used of all, first out when another request evicts in that moment.
            var added = new CachedModel(() => _load(id, directory), FreeSlot, FellIdle) { LastUse = Interlocked.Increment(ref _uses) };
            var cached = _loaded.GetOrAdd(id, added);
            if (cached != added) FreeSlot();
            return cached;
        }
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
                    if (_sessions < _options.MaxLoadedModels)
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
            .Where(entry => !_userModels.ContainsKey(entry.Key) && entry.Value.Taken && entry.Value.LoadedOrNull is not null)
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
            $"model '{id}' cannot be loaded now: the {_options.MaxLoadedModels} models the service keeps loaded at most are all loading or answering requests; try again in a moment",
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
            if (ForgetFailedLoad(id, cached, ex)) throw NotFound(id, param);
            // Every request awaiting the load gets the 503.
            if (ex is ModelLoadException problem) throw Unavailable(id, param, problem, log: false);
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
        if (IsGone(id)) return true;
        if (failure is ModelLoadException problem && cached.TryClaimFailureReport()) LogUnavailable(id, problem);
        return false;
    }

    /// <summary>Whether served model <paramref name="id"/> is no longer the store's (deleted, or its job gone); a <c>--model</c> model never is.</summary>
    internal bool IsGone(string id) => !_userModels.ContainsKey(id) && FineTunedJob(id) is null;

    /// <summary>Marks <paramref name="cached"/> taken since its load: from now on a load waiting for a slot may evict it, so it is told.</summary>
    private void MarkTaken(CachedModel cached)
    {
        if (cached.Taken) return;
        cached.Taken = true;
        SlotsChanged();
    }

    /// <summary>
    /// The server's state, not the request, is at fault: a 5xx, in OpenAI's envelope, saying what is wrong without the
    /// server's paths, which the log gets.
    /// </summary>
    private OpenAIApiException Unavailable(string id, string param, Exception problem, bool log = true)
    {
        string line = log ? LogUnavailable(id, problem) : ProblemLine(problem);
        // Without the final full stop of a runtime's message ("… does not exist."), as the service's other messages end.
        string why = ModelProblemText.ForClients(line, DirectoryOf(id), id).TrimEnd('.');
        return new(StatusCodes.Status503ServiceUnavailable, $"model '{id}' cannot be loaded: {why}",
            param, "model_unavailable", "server_error");
    }

    /// <summary>Logs why model <paramref name="id"/> cannot be loaded, in full; returns that line.</summary>
    private string LogUnavailable(string id, Exception problem)
    {
        string line = ProblemLine(problem);
        Logger.LogWarning("The model {Model} cannot be loaded: {Problem}", id, line);
        return line;
    }

    private static string ProblemLine(Exception problem) => problem is ModelLoadException load ? Cli.OptionFlags.Describe(load) : problem.Message;

    /// <summary>
    /// <paramref name="exception"/>, a problem with the files of model <paramref name="id"/>, described for the log (in
    /// full) and for a client (without the server's paths).
    /// </summary>
    public (string ForLog, string ForClients) DescribeProblem(string id, ModelLoadException exception) => ModelProblemText.Describe(exception, DirectoryOf(id), id);

    /// <summary>Whether model <paramref name="id"/> has its explain graph (<c>explain.onnx</c>) beside it; loads nothing.</summary>
    public bool CanExplain(string id) => File.Exists(Path.Combine(DirectoryOf(id), Runtime.ModelContract.ExplainModelFile));

    private string DirectoryOf(string id) => _userModels.GetValueOrDefault(id) ?? _store.ModelDirectory(JobIdOf(id) ?? id);

    /// <summary>Drops <paramref name="cached"/> if it is still the entry of <paramref name="id"/> (not one added since); false when it was not.</summary>
    private bool Forget(string id, CachedModel cached) => _loaded.TryRemove(new KeyValuePair<string, CachedModel>(id, cached));

    /// <summary>
    /// Stops serving a fine-tuned model (deleted); requests using it finish first. A load still running is left to free
    /// what it loads the moment it finishes.
    /// </summary>
    public void Unload(string id)
    {
        _descriptions.TryRemove(id, out _);
        if (_loaded.TryRemove(id, out var cached)) cached.Unload();
    }

    /// <summary>Loads the classifier in <paramref name="directory"/> as model <paramref name="id"/> (its own tokenizer counts tokens).</summary>
    /// <exception cref="ModelLoadException">The directory holds no model that can be served.</exception>
    internal static LoadedModel Load(string id, string directory, TextClassifierOptions options)
    {
        return new LoadedModel(id, new ServedClassifier(TextClassifier.Load(directory, options)));
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
