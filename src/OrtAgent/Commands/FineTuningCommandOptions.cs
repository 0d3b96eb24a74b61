using System.CommandLine;
using OrtAgent.FineTuningService;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Commands;

/// <summary>
/// The fine-tuning service's options (<c>--fine-tuning</c>, <c>--store</c>, <c>--base-model</c>,
/// <c>--max-concurrent-jobs</c>, <c>--max-queued-jobs</c>, <c>--max-loaded-models</c>, <c>--metrics-every</c>, <c>--max-store-bytes</c>,
/// <c>--models-root</c>), declared once so that <c>serve</c> and <c>mcp</c> spell,
/// describe and read them alike.
/// </summary>
internal sealed class FineTuningCommandOptions
{
    private readonly Option<bool> _enabled;

    private readonly Option<string> _store = new("--store") { Description = "With --fine-tuning: where files, jobs and trained models are kept.", DefaultValueFactory = _ => "ortagent-store" };
    private readonly Option<string[]> _baseModels = new("--base-model") { Description = "With --fine-tuning: another base encoder jobs may start from, as NAME=DIR (repeatable)." };
    private readonly Option<int> _concurrentJobs = new("--max-concurrent-jobs") { Description = "With --fine-tuning: jobs trained at once; the rest wait in the queue.", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _queuedJobs = new("--max-queued-jobs") { Description = "With --fine-tuning: jobs that may wait, queued or paused; one more is refused (429).", DefaultValueFactory = _ => 100 };
    private readonly Option<int> _loadedModels = new("--max-loaded-models") { Description = "With --fine-tuning: fine-tuned models kept loaded; beyond it the least recently used is unloaded (and reloaded when asked for).", DefaultValueFactory = _ => 8 };
    private readonly Option<string> _maxStoreBytes = new("--max-store-bytes")
    {
        Description = "With --fine-tuning: most the store may hold, in bytes or with K, M, G or T (20G), all of it counted; an upload past it, "
            + "or a new job while it is reached, is refused (400 store_full), but a job already queued or running may pass it. Default: no limit.",
    };
    private readonly Option<int> _metricsEvery = new("--metrics-every") { Description = "With --fine-tuning: a metrics event every this many optimizer steps.", DefaultValueFactory = _ => 10 };

    // Every option but --fine-tuning itself: each applies only with it.
    private readonly Option[] _serviceOptions;

    /// <param name="what">What <c>--fine-tuning</c> adds to the command, for its help line.</param>
    public FineTuningCommandOptions(string what)
    {
        _enabled = new("--fine-tuning") { Description = what };
        // The service pulls the base models its jobs start from into the model store; nothing else of the command reads it.
        _serviceOptions = [_store, _baseModels, _concurrentJobs, _queuedJobs, _loadedModels, _metricsEvery, _maxStoreBytes, Cli.CliGlobalOptions.ModelsRoot("With --fine-tuning: ")];
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_enabled);
        foreach (var option in _serviceOptions) command.Options.Add(option);
    }

    /// <summary>
    /// Whether <c>--fine-tuning</c> was given. Without it, a service option given anyway is refused rather than ignored:
    /// most likely <c>--fine-tuning</c> was forgotten, and the command would run without the service.
    /// </summary>
    /// <exception cref="UserInputException">A service option was given without <c>--fine-tuning</c>.</exception>
    public bool IsEnabled(ParseResult parseResult)
    {
        if (parseResult.GetValue(_enabled)) return true;
        foreach (var option in _serviceOptions)
            if (parseResult.WasGiven(option))
                throw new UserInputException($"{option.Name} applies to the fine-tuning service; add --fine-tuning to run it");
        return false;
    }

    /// <summary>Where the store is, as given.</summary>
    public string Store(ParseResult parseResult) => parseResult.GetValue(_store)!;

    /// <summary>The service's options from the command line, around <paramref name="serving"/> and the <c>--model</c> directories.</summary>
    /// <param name="parseResult">The command line.</param>
    /// <param name="serving">The HTTP settings the service runs under.</param>
    /// <param name="modelDirectories">The <c>--model</c> directories it serves besides its own models.</param>
    /// <param name="classifier">How its classifiers are loaded.</param>
    /// <param name="paths">
    /// Where the service's jobs pull base encoders into (the models root): a relative one with the working directory removed is
    /// refused here, at the start, where the service started and every job then failed as an internal error.
    /// </param>
    /// <exception cref="UserInputException">A <c>--base-model</c> is not <c>NAME=DIR</c>, or the models root is relative and the working directory is gone.</exception>
    public FineTuningServiceOptions Read(ParseResult parseResult, ServingOptions serving, IReadOnlyList<string> modelDirectories, TextClassifierOptions classifier, Cli.OrtAgentPaths paths)
    {
        _ = paths.BaseModelsDirectory;
        return ReadOptions(parseResult, serving, modelDirectories, classifier);
    }

    private FineTuningServiceOptions ReadOptions(ParseResult parseResult, ServingOptions serving, IReadOnlyList<string> modelDirectories, TextClassifierOptions classifier) => new()
    {
        Serving = serving,
        StoreDirectory = Store(parseResult),
        ModelDirectories = modelDirectories,
        BaseModels = ParseBaseModels(parseResult.GetValue(_baseModels) ?? []),
        MaxConcurrentJobs = parseResult.GetValue(_concurrentJobs),
        MaxQueuedJobs = parseResult.GetValue(_queuedJobs),
        MaxLoadedModels = parseResult.GetValue(_loadedModels),
        MetricsEverySteps = parseResult.GetValue(_metricsEvery),
        MaxStoreBytes = parseResult.GetValue(_maxStoreBytes) is { } size ? ByteSizeText.Parse(_maxStoreBytes.Name, size) : null,
        Classifier = classifier,
    };

    private static Dictionary<string, string> ParseBaseModels(IEnumerable<string> values)
    {
        var models = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            int equals = value.IndexOf('=');
            if (equals <= 0 || equals == value.Length - 1) throw new UserInputException($"--base-model {value}: expected NAME=DIR");
            if (!models.TryAdd(value[..equals], value[(equals + 1)..]))
                throw new UserInputException($"--base-model {value}: '{value[..equals]}' is given twice; each name names one base model");
        }
        return models;
    }
}
