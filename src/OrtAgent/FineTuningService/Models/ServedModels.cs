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
/// This catalogue says which ids exist and what each is; the classifiers themselves are held by a bounded
/// <see cref="LoadedModelCache"/>, which it makes, owns and disposes, and which <see cref="AcquireAsync"/> and the
/// members about slots go to. The <c>--model</c> directories are pinned in it: loaded at start to check them.
/// Listing reads what a model says about itself (<see cref="Info"/>) from its export's metadata, never through a load,
/// so a listing neither fills the cache nor evicts what requests use; and once per model, as a succeeded job's export
/// does not change.
/// </remarks>
internal sealed class ServedModels : IDisposable
{
    // Set once, after the constructor has checked and loaded the --model and --base-model directories (UseStore): a
    // start refused for one of them must not have opened, created or migrated the store.
    private FineTuningStore _store = null!;
    private readonly FineTuningServiceOptions _options;
    private readonly LoadedModelCache _cache;
    private readonly Dictionary<string, string> _userModels = new(StringComparer.Ordinal);
    private readonly Func<string, ClassifierModelInfo> _describe;
    // What each model listed says about itself, read from its export once: MCP's list_models asks every model on every
    // listing, and read again each time it cost a job-row query and a read of each model.onnx's metadata.
    private readonly ConcurrentDictionary<string, ClassifierModelInfo> _descriptions = new(StringComparer.Ordinal);

    /// <inheritdoc cref="LoadedModelCache.SessionsAlive"/>
    internal int SessionsAlive => _cache.SessionsAlive;

    /// <inheritdoc cref="LoadedModelCache.Holds"/>
    internal bool Holds(string id) => _cache.Holds(id);

    /// <inheritdoc cref="LoadedModelCache.LoadsWaitingForASlot"/>
    internal int LoadsWaitingForASlot => _cache.LoadsWaitingForASlot;

    /// <inheritdoc cref="LoadedModelCache.SlotWait"/>
    internal static TimeSpan SlotWait => LoadedModelCache.SlotWait;

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
        // A --model folder is the operator's, loaded once at start as serve loads its own: a graph the check refuses stops
        // the start, as serve's does. The store's models load later, on demand, where nothing else would serve them.
        var pinLoad = load ?? ((id, directory) => Load(id, directory, options.Classifier, refuseUncheckedGraph: true));
        load ??= (id, directory) => Load(id, directory, options.Classifier);
        _cache = new LoadedModelCache(this, options.MaxLoadedModels, load);
        _describe = describe ?? Describe;
        foreach (var (name, directory) in options.BaseModels) CheckBaseModel(name, directory);
        // Every name before any load: a name one route took for the folder and another for a base encoder served the
        // folder to chat while jobs trained the base. Model ids are matched exactly, as OpenAI's are.
        ModelNameTaken.RefuseSameNames(options.ModelDirectories, StringComparer.Ordinal);
        foreach (var directory in options.ModelDirectories)
        {
            string id = ServingEndpoints.ModelName(directory);
            if (IsBase(id)) throw ModelNameTaken.Refusal(directory, _options.BaseModels.TryGetValue(id, out var baseDirectory)
                ? $"the name of --base-model {id}={baseDirectory}"
                : "the name of a packaged base encoder");
            _userModels.Add(id, directory);
        }
        try
        {
            foreach (var (id, directory) in _userModels) Pin(id, directory, pinLoad);
        }
        catch
        {
            // Nothing else holds the models loaded before the one refused: their sessions (native memory, the model
            // files held open) were left for the process's end, and a host that starts again in the same process kept them.
            _cache.Dispose();
            throw;
        }
    }

    /// <summary>Loads a <c>--model</c> directory now, so that a bad one stops the service at start rather than on the first request.</summary>
    /// <exception cref="UserInputException">The directory cannot be served.</exception>
    private void Pin(string id, string directory, Func<string, string, LoadedModel> load)
    {
        try
        {
            var loaded = load(id, directory);
            _cache.Pin(id, loaded);
            // Before the host and its loggers exist; stderr, as stdout may carry MCP's JSON-RPC.
            if (Inference.Int8OnGpu.Warning(directory, loaded.Served.Classifier.Info, _options.Classifier.Session.Device) is { } warning)
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

    /// <summary>
    /// The store whose fine-tuned models are served besides the <c>--model</c> ones; given once, before the store changes
    /// anything (<see cref="FineTuningStore.Open(string, StoreHolder?, Action{FineTuningStore}?)"/>), so that a refusal
    /// leaves it as it was.
    /// </summary>
    /// <exception cref="UserInputException">A <c>--model</c> directory is named as a model of the store, made or to be made by a job that may still train.</exception>
    public void UseStore(FineTuningStore store)
    {
        if (_store is not null) throw new InvalidOperationException("the served models already have their store");
        foreach (var (id, directory) in _userModels)
        {
            // A job's model id holds its job's random id, so a job created from now on cannot take a folder's name; one
            // already in the store can: served from the folder, its model was listed twice, and deleting it deleted the store's.
            if (FineTunedModelId.JobIdOf(id) is not { } jobId || store.GetJob(jobId) is not { } job) continue;
            if (job is { Status: JobStatus.Succeeded, ModelDeleted: false } && job.FineTunedModel == id)
                throw ModelNameTaken.Refusal(directory, $"the id of the model fine-tuning job {job.Id} made, in --store {store.Directory}");
            if (job.MayStillTrain && FineTunedModelId.Of(job) == id)
                throw ModelNameTaken.Refusal(directory, $"the id of the model fine-tuning job {job.Id} ({job.Status}) makes if it succeeds, in --store {store.Directory}");
        }
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
    /// them): the host's once it has loggers, which is after this catalogue checked the <c>--model</c> directories.
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

    /// <summary>The succeeded job whose model <paramref name="id"/> is, or null (also while its delete is under way).</summary>
    public JobRecord? FineTunedJob(string id) =>
        JobThatMade(id) is { Status: JobStatus.Succeeded, ModelDeleted: false } job && !_cache.IsWithdrawn(id) ? job : null;

    /// <summary>The job whose <c>fine_tuned_model</c> is <paramref name="id"/>, whatever became of the model; or null.</summary>
    private JobRecord? JobThatMade(string id) =>
        FineTunedModelId.JobIdOf(id) is string jobId && _store.GetJob(jobId) is { } job && job.FineTunedModel == id ? job : null;

    /// <summary>Why the model <paramref name="id"/> was deleted, in the job's words, where it was; otherwise null.</summary>
    /// <param name="id">The name asked for.</param>
    /// <param name="callerMayFineTune">Whether the caller may start a job (false for an inference key), which picks the way out said.</param>
    private string? Deleted(string id, bool callerMayFineTune) => JobThatMade(id) is { } job && (job.ModelDeleted || _cache.IsWithdrawn(id))
        ? $"model '{id}' was deleted; fine-tuning job {job.Id} made it, and it is served no more: "
            + (callerMayFineTune ? "fine-tune again to train a model like it" : $"training one like it {FineTuningNeedsAFullKey}")
        : null;

    /// <summary>
    /// The way out said to a caller whose key cannot fine-tune (an inference key), in place of "fine-tune it", which
    /// named tools and routes it may not call.
    /// </summary>
    public const string FineTuningNeedsAFullKey = "takes a full API key, and this is an inference key: ask whoever holds a full key";

    /// <summary>
    /// Why <paramref name="id"/>, a name the service knows, serves nothing: a base encoder, or a fine-tuned model deleted
    /// since its job made it. Null for a name the service does not know.
    /// </summary>
    /// <param name="id">The name asked for.</param>
    /// <param name="callerMayFineTune">Whether the caller may start a job (false for an inference key), which picks the way out said.</param>
    public string? WhyNotServed(string id, bool callerMayFineTune = true) => IsBase(id) ? BaseNotServable(id, callerMayFineTune) : Deleted(id, callerMayFineTune);

    /// <inheritdoc cref="LoadedModelCache.AcquireAsync"/>
    public Task<LoadedModel> AcquireAsync(string id, string param = "model", CancellationToken cancellationToken = default) =>
        _cache.AcquireAsync(id, param, cancellationToken);

    /// <summary>
    /// What model <paramref name="id"/> says about itself (labels, base model, recorded metrics), for listings: from the
    /// classifier when it is loaded, otherwise from its export's metadata and files, without loading it, read once and
    /// kept while the model is listed. One whose description cannot be read is read again at the next call.
    /// </summary>
    /// <exception cref="OpenAIApiException">As <see cref="AcquireAsync"/>: 404, 400, 503 for a model whose description cannot be read, 503 once stopping.</exception>
    public ClassifierModelInfo Info(string id, string param = "model")
    {
        if (_cache.LoadedInfo(id, param) is { } loaded) return loaded;
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
    public static string BaseNotServable(string id, bool callerMayFineTune = true) => $"'{id}' is a base encoder without a classifier head; "
        + (callerMayFineTune ? "fine-tune it first and use the fine-tuned model" : $"only a model fine-tuned from it classifies, and fine-tuning {FineTuningNeedsAFullKey}");

    /// <summary>
    /// Refuses model <paramref name="id"/> as <see cref="AcquireAsync"/> would, without loading it: a <c>--model</c> model
    /// or one already loaded answers from memory, so a request naming a served model costs no store read.
    /// </summary>
    /// <exception cref="OpenAIApiException">400 for a base encoder, 404 for a model that is not (or no longer) here.</exception>
    public void RequireServable(string id, string param = "model")
    {
        if (!IsBase(id) && (_userModels.ContainsKey(id) || _cache.Holds(id))) return;
        _ = FineTunedDirectory(id, param);
    }

    /// <summary>Where the fine-tuned model <paramref name="id"/> is.</summary>
    /// <exception cref="OpenAIApiException">400 for a base encoder, 404 for a model that is not (or no longer) here.</exception>
    internal string FineTunedDirectory(string id, string param)
    {
        if (IsBase(id))
            throw OpenAIApiException.BadRequest(BaseNotServable(id), param, "model_not_servable");
        var job = FineTunedJob(id) ?? throw NotFound(id, param);
        return _store.ModelDirectory(job.Id);
    }

    /// <summary>
    /// The 404 for model <paramref name="id"/>, which is not here. A job's checkpoint id (<c>ft:…:JOB:ckpt-step-N</c>, from
    /// its checkpoint list) is told as what it is, with the model to use instead; a name that misses a model only by case
    /// names that model.
    /// </summary>
    public OpenAIApiException NotFound(string id, string param = "model")
    {
        if (CheckpointRecord(id) is { } checkpoint) return OpenAIApiException.NotFound(checkpoint, param, "model_not_found");
        // A job's own model id, asked for before the job has made it (a client polling with the id it expects).
        if (FineTunedModelId.JobIdOf(id) is { } jobId && _store.GetJob(jobId) is { FineTunedModel: null } unfinished
            && FineTunedModelId.Make(FineTunedModelId.BaseOf(id)!, unfinished.Suffix, unfinished.Id) == id)
            return OpenAIApiException.NotFound(unfinished.MayStillTrain
                ? $"model '{id}' does not exist yet: fine-tuning job {unfinished.Id} is {unfinished.Status}, and its fine_tuned_model is served once it succeeds"
                : $"model '{id}' does not exist: fine-tuning job {unfinished.Id} is {unfinished.Status} and made no model", param, "model_not_found");
        return OpenAIApiException.NotFound(Deleted(id, callerMayFineTune: true) ?? $"model '{id}' does not exist{ModelNameCase.Hint(id, List().Select(model => model.Id))}", param, "model_not_found");
    }

    /// <summary>
    /// What <paramref name="id"/> is when it is a job's checkpoint id (<c>ft:…:JOB:ckpt-step-N</c>, from its checkpoint
    /// list), with the model to use instead; null for any other id. Chat, <c>/v1/models</c> and a job's <c>model</c> say it alike.
    /// Only a checkpoint the job lists is one: a step it never recorded (<c>ckpt-step-999</c> of a job that listed step 3)
    /// is as unknown as any other id, where it was told as the job's record at that step.
    /// </summary>
    public string? CheckpointRecord(string id)
    {
        if (FineTunedModelId.CheckpointOf(id) is not { } checkpoint || _store.GetJob(checkpoint.JobId) is not { } job
            || !_store.HasCheckpoint(job.Id, id)) return null;
        // FineTunedJob's test, on the record in hand.
        string instead = job is { Status: JobStatus.Succeeded, ModelDeleted: false, FineTunedModel: not null } ? $"use the job's fine_tuned_model, {job.FineTunedModel}"
            : job.FineTunedModel is not null ? $"the job's fine_tuned_model, {job.FineTunedModel}, was deleted"
            : $"the job is {job.Status}; its fine_tuned_model is served once it succeeds";
        return $"'{id}' is the checkpoint record of fine-tuning job {job.Id} at step {checkpoint.Step}, not a servable model; {instead}";
    }

    /// <summary>Whether served model <paramref name="id"/> is no longer the store's (deleted, or its job gone); a <c>--model</c> model never is.</summary>
    internal bool IsGone(string id) => !_userModels.ContainsKey(id) && FineTunedJob(id) is null;

    /// <summary>
    /// The server's state, not the request, is at fault: a 5xx, in OpenAI's envelope, saying what is wrong without the
    /// server's paths, which the log gets.
    /// </summary>
    internal OpenAIApiException Unavailable(string id, string param, Exception problem, bool log = true)
    {
        string line = log ? LogUnavailable(id, problem) : ProblemLine(problem);
        // Without the final full stop of a runtime's message ("… does not exist."), as the service's other messages end.
        string why = ModelProblemText.ForClients(line, DirectoryOf(id), id).TrimEnd('.');
        return new(StatusCodes.Status503ServiceUnavailable, $"model '{id}' cannot be loaded: {why}",
            param, "model_unavailable", "server_error");
    }

    /// <summary>Logs why model <paramref name="id"/> cannot be loaded, in full; returns that line.</summary>
    internal string LogUnavailable(string id, Exception problem)
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

    private string DirectoryOf(string id) => _userModels.GetValueOrDefault(id) ?? _store.ModelDirectory(FineTunedModelId.JobIdOf(id) ?? id);

    /// <summary>
    /// Runs <paramref name="delete"/>, which deletes fine-tuned model <paramref name="id"/>, with the model withdrawn: unloaded,
    /// and answered as deleted (404) rather than loaded until it returns. On a full disk a delete removes the model's folder
    /// before it records the delete (<see cref="FullDiskDelete"/>): a request in between loaded a folder being removed and
    /// was a 503, which the SDKs retry. Withdrawn under the lock loads are added under, so none begins meanwhile. A delete
    /// refused (its record found no room even so) leaves the model listed again, as it is, without its files.
    /// </summary>
    public void DeleteWithdrawn(string id, Action delete)
    {
        _descriptions.TryRemove(id, out _);
        _cache.Withdraw(id);
        try
        {
            delete();
        }
        finally
        {
            _cache.Restore(id);
        }
    }

    /// <summary>
    /// Stops serving a fine-tuned model (deleted); requests using it finish first. A load still running is left to free
    /// what it loads the moment it finishes.
    /// </summary>
    public void Unload(string id)
    {
        _descriptions.TryRemove(id, out _);
        _cache.Unload(id);
    }

    /// <summary>
    /// Loads the classifier in <paramref name="directory"/> as model <paramref name="id"/> (its own tokenizer counts tokens)
    /// and, where the model has <c>explain.onnx</c>, checks that graph and holds it open (<see cref="TextClassifier.CheckExplainer"/>),
    /// as <c>serve</c> does at each load: opened by path at the model's first explanation, it was the graph of whatever
    /// model had been renamed into the folder since the load, and <c>/explain</c> answered 409 <c>model_replaced</c> while
    /// <c>/predict</c> answered with the model loaded.
    /// </summary>
    /// <param name="id">The model's id as requests name it.</param>
    /// <param name="directory">The exported model's folder.</param>
    /// <param name="options">How the classifier is loaded.</param>
    /// <param name="refuseUncheckedGraph">Whether a graph the check refuses refuses the model too (a <c>--model</c> folder at start), rather than leaving it served unpinned.</param>
    /// <exception cref="ModelLoadException">The directory holds no model that can be served (or, with <paramref name="refuseUncheckedGraph"/>, an <c>explain.onnx</c> that cannot explain it).</exception>
    internal static LoadedModel Load(string id, string directory, TextClassifierOptions options, bool refuseUncheckedGraph = false)
    {
        var classifier = TextClassifier.Load(directory, options);
        try
        {
            if (classifier.CanExplain) classifier.CheckExplainer();
        }
        catch (ModelLoadException) when (!refuseUncheckedGraph)
        {
            // Unlike serve's reload, no older model keeps serving in its place, so a graph the check refuses (damaged,
            // another model's, or the folder replaced during the load) does not refuse the model's predictions: it stays
            // unpinned, and its first explanation meets the problem again and answers it as the 409 it was before.
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
        return new LoadedModel(id, new ServedClassifier(classifier));
    }

    /// <inheritdoc cref="LoadedModelCache.StopWaiting"/>
    public void StopWaiting() => _cache.StopWaiting();

    /// <summary>
    /// Disposes the <see cref="LoadedModelCache"/> this catalogue owns, as the service stops: every model is unloaded (a
    /// request using one finishes first), and later acquisitions are refused (503).
    /// </summary>
    public void Dispose() => _cache.Dispose();
}
