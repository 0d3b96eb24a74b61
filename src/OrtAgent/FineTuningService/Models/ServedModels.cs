using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using OrtAgent.BaseModels;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Models;

/// <summary>
/// The models the service knows: base encoders (listed and fine-tunable, not servable), the directories given with
/// <c>--model</c> (served under their folder name), and the models its jobs produced (<c>ft:BASE:SUFFIX:JOB</c>), which
/// are loaded on first use, so a job's model is served the moment the job succeeds.
/// </summary>
/// <remarks>
/// A loaded model stays loaded until it is deleted or the service stops: there is no bound yet. A least-recently-used
/// one would be safe to evict (<see cref="ServedClassifier"/> frees it after its last call), but the MCP tool
/// <c>list_models</c> reads every model's labels through a load, so a bound below the number of models would reload
/// some at every listing; it wants the labels read without a session first.
/// </remarks>
internal sealed class ServedModels : IDisposable
{
    private readonly FineTuningStore _store;
    private readonly FineTuningServiceOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<LoadedModel>> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _userModels = new(StringComparer.Ordinal);

    public ServedModels(FineTuningStore store, FineTuningServiceOptions options)
    {
        _store = store;
        _options = options;
        foreach (var (name, directory) in options.BaseModels) CheckBaseModel(name, directory);
        foreach (var directory in options.ModelDirectories)
        {
            string id = ServingEndpoints.ModelName(directory);
            if (!_userModels.TryAdd(id, directory)) throw new UserInputException($"--model {directory}: another --model is also named '{id}'");
            try
            {
                // Loaded now, so that a bad --model stops the service at start rather than on the first request.
                var loaded = Load(id, directory);
                _loaded[id] = new Lazy<LoadedModel>(loaded);
                // Before the host and its loggers exist; stderr, as stdout may carry MCP's JSON-RPC.
                if (Inference.Int8OnGpu.Warning(directory, loaded.Served.Classifier.Info, options.Classifier.Session.Device) is { } warning)
                    Console.Error.WriteLine($"warning: {warning}");
            }
            catch (ModelLoadException ex)
            {
                throw new UserInputException($"--model {directory}: {ex.Message}", ex);
            }
        }
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

    /// <summary>The base encoders a job may start from: the packaged ones and those configured by name.</summary>
    public IEnumerable<string> BaseNames => PackagedBaseModelCatalog.All.Select(m => m.Name).Concat(_options.BaseModels.Keys).Distinct();

    /// <summary>The directory (or packaged name) the trainer resolves a base name to.</summary>
    public string BaseModelLocation(string name) => _options.BaseModels.TryGetValue(name, out var directory) ? directory : name;

    public bool IsBase(string id) => BaseNames.Contains(id, StringComparer.Ordinal);

    /// <summary>Every model, base encoders first.</summary>
    public IReadOnlyList<ModelObject> List() =>
    [
        .. BaseNames.Select(name => new ModelObject(name, 0, "ortagent")),
        .. _userModels.Keys.Select(id => new ModelObject(id, 0, "user")),
        .. _store.JobsWithModels().Select(job => new ModelObject(job.FineTunedModel!, job.FinishedAt ?? job.CreatedAt, "user")),
    ];

    public ModelObject? Find(string id) => List().FirstOrDefault(m => m.Id == id);

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
    /// <exception cref="OpenAIApiException">
    /// 404 for an unknown model, 400 for a base encoder (it has no classifier), 503 for a model that cannot be loaded
    /// (the message says why; the next call tries again).
    /// </exception>
    public LoadedModel Acquire(string id, string param = "model")
    {
        while (true)
        {
            if (!_loaded.TryGetValue(id, out var lazy))
            {
                if (IsBase(id))
                    throw OpenAIApiException.BadRequest($"'{id}' is a base encoder without a classifier head; fine-tune it first and use the fine-tuned model", param, "model_not_servable");
                var job = FineTunedJob(id) ?? throw OpenAIApiException.NotFound($"The model '{id}' does not exist", param, "model_not_found");
                lazy = _loaded.GetOrAdd(id, key => new Lazy<LoadedModel>(() => Load(key, _store.ModelDirectory(job.Id))));
            }
            var model = Loaded(id, lazy, param);
            if (model.Served.TryAcquire()) return model;
            // Deleted between the lookup and the acquire: look again (and answer 404 now that it is gone).
            Forget(id, lazy);
        }
    }

    /// <summary>
    /// The model <paramref name="lazy"/> loads. A load that fails is not kept: a <see cref="Lazy{T}"/> would throw the same
    /// exception at every later call, even once the model on disk is mended, so the entry goes and the next call loads again.
    /// </summary>
    /// <exception cref="OpenAIApiException">503: the model on disk cannot be loaded.</exception>
    private LoadedModel Loaded(string id, Lazy<LoadedModel> lazy, string param)
    {
        try
        {
            return lazy.Value;
        }
        catch (ModelLoadException ex)
        {
            Forget(id, lazy);
            // The server's state, not the request, is at fault: a 5xx, in OpenAI's envelope, saying what is wrong.
            throw new OpenAIApiException(StatusCodes.Status503ServiceUnavailable, $"The model '{id}' cannot be loaded: {ex.Message}", param, "model_unavailable", "server_error");
        }
        catch
        {
            Forget(id, lazy);
            throw;
        }
    }

    /// <summary>Drops <paramref name="lazy"/> if it is still the entry of <paramref name="id"/> (not one added since).</summary>
    private void Forget(string id, Lazy<LoadedModel> lazy) => _loaded.TryRemove(new KeyValuePair<string, Lazy<LoadedModel>>(id, lazy));

    /// <summary>Stops serving a fine-tuned model; requests using it finish first.</summary>
    public void Unload(string id)
    {
        if (_loaded.TryRemove(id, out var lazy) && lazy.IsValueCreated) lazy.Value.Served.Release();
    }

    private LoadedModel Load(string id, string directory)
    {
        var classifier = TextClassifier.Load(directory, _options.Classifier);
        try
        {
            var info = classifier.Info;
            var encoder = BertTextEncoder.Create(Path.Combine(directory, "vocab.txt"), new BertTextEncoderOptions { LowerCase = info.LowerCase, MaxLength = info.MaxLength });
            return new LoadedModel(id, new ServedClassifier(classifier), encoder);
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var id in _loaded.Keys.ToList()) Unload(id);
    }
}
