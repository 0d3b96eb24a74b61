using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService;

/// <summary>
/// Everything <c>serve --fine-tuning</c> needs beyond the serving options it shares with <c>serve</c> (addresses,
/// keys, limits): where the store is, which models to serve from the start, and how jobs run.
/// </summary>
public sealed class FineTuningServiceOptions
{
    /// <summary>Addresses, API keys, request limits and shutdown timeout, as for <c>serve</c>; its model directory is unused.</summary>
    public ServingOptions Serving { get; init; } = new();

    /// <summary>The directory holding the database, uploaded files, artifacts and trained models.</summary>
    public string StoreDirectory { get; init; } = "ortagent-store";

    /// <summary>Exported models served from the start (<c>--model</c>), each under its folder name.</summary>
    public IReadOnlyList<string> ModelDirectories { get; init; } = [];

    /// <summary>Extra base encoders by name (a directory with <c>model.onnx</c> and <c>vocab.txt</c>), beside minilm and arctic-xs.</summary>
    public IReadOnlyDictionary<string, string> BaseModels { get; init; } = new Dictionary<string, string>();

    /// <summary>How many jobs train at once; the others wait in the queue.</summary>
    public int MaxConcurrentJobs { get; init; } = 1;

    /// <summary>
    /// Most jobs waiting at once, queued or paused; creating another is a 429 (<c>rate_limit_exceeded</c>, as OpenAI
    /// answers too many active jobs). Each creation reads its training file in full, and each waiting job holds its files.
    /// </summary>
    public int MaxQueuedJobs { get; init; } = 100;

    /// <summary>
    /// Most fine-tuned models loaded at once (<c>--max-loaded-models</c>); a load beyond it unloads the least recently
    /// used, which its next request loads again. Each holds an ONNX Runtime session at least as large as its weights
    /// (90 MB for minilm), so the default of 8 holds about 0.7 GB of minilm weights while a handful of models used in
    /// turn are served without reloads. The <c>--model</c> directories are loaded apart from it, and loads still running
    /// may pass it until they finish.
    /// </summary>
    public int MaxLoadedModels { get; init; } = 8;

    /// <summary>A <c>metrics</c> event (step, loss, learning rate) every this many optimizer steps and at each epoch's last; the step-metrics CSV (a job's result file) has every step.</summary>
    public int MetricsEverySteps { get; init; } = 10;

    /// <summary>Largest uploaded file, in bytes.</summary>
    public long MaxUploadBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>
    /// Most bytes the store may hold (<c>--max-store-bytes</c>), all of it counted: the database, uploads, checkpoints and
    /// trained models. An upload that would take the store past it is refused (400 <c>store_full</c>), and so is a new job
    /// while the store holds it; a job already queued or running is not stopped, so its checkpoints and model may pass
    /// it. Null, the default: no limit but the disk's (a full disk is a 507).
    /// </summary>
    public long? MaxStoreBytes { get; init; }

    /// <summary>Fewest examples a training file must hold (OpenAI asks for 10).</summary>
    public int MinExamples { get; init; } = 10;

    /// <summary>Device and threads for training; the same settings serve the trained models.</summary>
    public TextClassifierOptions Classifier { get; init; } = new();

    /// <summary>Checks every value; the first that cannot work is an <see cref="InvalidOptionException"/> naming its property.</summary>
    public void Validate()
    {
        Serving.ValidateLimits();
        if (string.IsNullOrWhiteSpace(StoreDirectory)) throw Invalid(nameof(StoreDirectory), StoreDirectory, "a store directory is required");
        if (MaxConcurrentJobs < 1) throw Invalid(nameof(MaxConcurrentJobs), MaxConcurrentJobs, "must be at least 1");
        if (MaxQueuedJobs < 1) throw Invalid(nameof(MaxQueuedJobs), MaxQueuedJobs, "must be at least 1");
        if (MaxLoadedModels < 1) throw Invalid(nameof(MaxLoadedModels), MaxLoadedModels, "must be at least 1");
        if (MetricsEverySteps < 1) throw Invalid(nameof(MetricsEverySteps), MetricsEverySteps, "must be at least 1");
        if (MaxUploadBytes < 1) throw Invalid(nameof(MaxUploadBytes), MaxUploadBytes, "must be at least 1");
        if (MaxStoreBytes < 1) throw Invalid(nameof(MaxStoreBytes), MaxStoreBytes, "must be at least 1");
        if (MinExamples < 2) throw Invalid(nameof(MinExamples), MinExamples, "must be at least 2");
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<FineTuningServiceOptions>(property), value, problem);
}
