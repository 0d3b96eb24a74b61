using System.CommandLine;
using OrtAgent.Cli;
using OrtAgent.Commands.Inference;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Inference;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Serving.Tls;
using Spectre.Console;

namespace OrtAgent.Commands;

/// <summary>
/// <c>ortagent serve</c>: serves an exported model over HTTP (TEI-shaped <c>/predict</c>, <c>/info</c>, <c>/health</c>,
/// <c>/metrics</c>, <c>/admin/reload</c>) until Ctrl+C, which drains requests in flight before exiting.
/// API keys, full and inference-only, come from <see cref="ApiKeyCommandOptions"/>; the certificate of https addresses
/// from <see cref="TlsCommandOptions"/>. With <c>--fine-tuning</c> it is the
/// OpenAI-compatible fine-tuning service instead (<see cref="FineTuningServer"/>), serving any number of <c>--model</c> directories and the models it trains.
/// </summary>
internal sealed class ServeCommand : BaseCommand
{
    public const string ApiKeysVariable = ApiKeyCommandOptions.FullKeysVariable;

    private const int MaxWaitLimitMs = 10_000;

    private readonly IServingService _serving;
    private readonly IAnsiConsole _console;
    private readonly ErrorOutput _error;
    private readonly StopNotice _stopNotice;
    private readonly InferenceCommandOptions _model = new();
    private readonly Option<string[]> _models = new("--model", "-m") { Description = "Exported model directory to serve (repeatable with --fine-tuning)." };
    private readonly Microsoft.Extensions.Options.IOptions<Cli.OrtAgentPaths> _paths;
    private readonly FineTuningCommandOptions _fineTuning = new(
        "Run the OpenAI-compatible fine-tuning service: /v1/files, /v1/fine_tuning/jobs, /v1/models, /v1/chat/completions, and the fine-tuning MCP tools on /mcp.");
    private readonly Option<string[]> _urls = new("--urls") { Description = "Addresses to listen on, http:// or https:// (with --tls-certificate); both may be mixed. Several are given space- or ';'-separated, each port once.", DefaultValueFactory = _ => ["http://127.0.0.1:8080"], AllowMultipleArgumentsPerToken = true };
    private readonly Option<int> _maxBatch = new("--max-batch") { Description = "Most texts coalesced into one model run; 1 turns micro-batching off.", DefaultValueFactory = _ => 32 };
    private readonly Option<int> _maxWait = new("--max-wait-ms") { Description = $"How long the first queued request waits for company, 0 to {MaxWaitLimitMs}.", DefaultValueFactory = _ => 2 };
    private readonly ApiKeyCommandOptions _apiKeys = new();
    private readonly TlsCommandOptions _tls = new();
    private readonly Option<string[]> _allowOrigins = new("--allow-origin")
    {
        Description = "Let web pages of this origin (http://localhost:5173) call the server from browsers, with CORS headers (repeatable; '*' for every site needs --api-key or --inference-api-key).",
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<bool> _allowReload = new("--allow-unauthenticated-reload") { Description = "Allow POST /admin/reload without API keys configured." };
    private readonly Option<int> _maxInputs = new("--max-inputs") { Description = "Most texts in one request (413 above).", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _maxChars = new("--max-chars") { Description = "Most characters per text (422 above).", DefaultValueFactory = _ => 20_000 };
    private readonly Option<string> _maxBodyBytes = new("--max-body-bytes")
    {
        Description = "Largest request body, in bytes or with K, M or G (16M) (413 above). Default: room for --max-inputs texts of --max-chars characters, "
            + "each written the longest way JSON can (12 bytes), plus 64 KiB, and at least 1 MiB: about 14.7 MiB with the defaults. It also bounds a job's inline training data and a chat.",
    };
    private readonly Option<int> _maxConnections = new("--max-connections")
    {
        Description = "Most connections open at once; one more is closed as it is accepted, unanswered. Default: no limit but the process's open files.",
    };
    private readonly Option<bool> _noLogTimestamps = new("--no-log-timestamps") { Description = "Log lines without the UTC time (ISO 8601) they start with, for a log that stamps lines itself (journald)." };
    private readonly Option<int> _maxQueue = new("--max-queue") { Description = "Most texts waiting for a model's batches (429 with Retry-After above; a request into an empty queue always fits).", DefaultValueFactory = _ => new ServingOptions().MaxQueuedTexts };

    public ServeCommand(IServingService serving, IAnsiConsole console, ErrorOutput error, StopNotice stopNotice, Microsoft.Extensions.Options.IOptions<Cli.OrtAgentPaths> paths)
        : base("serve", "Serve an exported model over HTTP with micro-batching, API keys, health and Prometheus metrics.")
    {
        _serving = serving;
        _console = console;
        _error = error;
        _stopNotice = stopNotice;
        _paths = paths;
        // serve takes --model repeatedly (with --fine-tuning, or not at all), so it declares its own --model.
        _model.Execution.AddTo(this);
        // Requests are coalesced up to --max-batch texts, a larger request runs alone, and the classifier splits a run at
        // the larger of the two (Classifier.MaxBatchSize below): --batch-size below --max-batch changes nothing.
        _model.BatchSize.Description = "The most texts one model run takes is the larger of this and --max-batch; it matters for a request of more texts than --max-batch, which runs alone.";
        foreach (var option in new Option[] { _models, _model.BatchSize, _urls, _maxBatch, _maxWait, _allowOrigins, _allowReload, _maxInputs, _maxChars, _maxBodyBytes, _maxQueue, _maxConnections, _noLogTimestamps })
            Options.Add(option);
        _apiKeys.AddTo(this);
        _tls.AddTo(this);
        // A lone request waits the whole window, so seconds of it are latency, not batching, and a slip such as 2000000
        // would hold every quiet-time request for half an hour. (The library allows more, for tests that need a full batch.)
        _maxWait.RequireBetween(0, MaxWaitLimitMs, $"must be between 0 and {MaxWaitLimitMs} (milliseconds)");
        _maxConnections.RequireAtLeast(1, "must be at least 1");
        _fineTuning.AddTo(this);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var modelDirectories = parseResult.GetValue(_models) ?? [];
        bool fineTuning = _fineTuning.IsEnabled(parseResult);
        if (WithoutLog) _error.Writer.WriteLine("warning: standard output is closed: serve runs without its log (the listening line, a line a request, the log's warnings)");
        if (!fineTuning && modelDirectories.Length != 1)
            throw new UserInputException(modelDirectories.Length == 0 ? "serve needs --model DIR (or --fine-tuning)" : "serve takes one --model; several are served with --fine-tuning");
        var model = new InferenceModelOptions(modelDirectories.FirstOrDefault() ?? "", parseResult.GetValue(_model.BatchSize))
        {
            Session = _model.Execution.ReadSession(parseResult),
        };
        var (keys, inferenceKeys) = _apiKeys.Read(parseResult);
        foreach (var warning in _apiKeys.OpenToOthersWarnings(parseResult)) _error.Writer.WriteLine(warning);
        int maxBatch = parseResult.GetValue(_maxBatch);
        // ASP.NET's own lists (ASPNETCORE_URLS) separate addresses with ';': read so here too, not as one address with a path.
        var urls = parseResult.GetValue(_urls)!.SelectMany(url => url.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        ServerStartup.CheckUrls(urls);
        var options = new ServingOptions
        {
            ModelDirectory = model.ModelDirectory,
            Urls = urls,
            MaxBatch = maxBatch,
            MaxWaitMs = parseResult.GetValue(_maxWait),
            ApiKeys = keys,
            InferenceApiKeys = inferenceKeys,
            AllowedOrigins = parseResult.GetValue(_allowOrigins) ?? [],
            AllowUnauthenticatedReload = parseResult.GetValue(_allowReload),
            MaxInputsPerRequest = parseResult.GetValue(_maxInputs),
            MaxCharsPerInput = parseResult.GetValue(_maxChars),
            MaxBodyBytes = parseResult.GetValue(_maxBodyBytes) is { } bodySize ? ByteSizeText.Parse(_maxBodyBytes.Name, bodySize) : null,
            MaxQueuedTexts = parseResult.GetValue(_maxQueue),
            MaxConnections = parseResult.WasGiven(_maxConnections) ? parseResult.GetValue(_maxConnections) : null,
            LogTimestamps = !parseResult.GetValue(_noLogTimestamps),
            Log = !WithoutLog,
            Certificate = _tls.Read(parseResult),
            Classifier = new TextClassifierOptions
            {
                Session = model.Session,
                MaxBatchSize = Math.Max(maxBatch, model.BatchSize),
            },
        };
        string? certificate = CheckCertificate(options);
        // The fine-tuning service micro-batches each model's /predict apart, so its batch is per model.
        string listening = $"(max batch {maxBatch}{(fineTuning ? " per model" : "")}, {KeysText(keys.Length, inferenceKeys.Length)}); "
            + (certificate is null ? "" : $"TLS certificate {certificate}; ") + "Ctrl+C stops";
        if (!fineTuning)
        {
            await _serving.ServeAsync(options, urls =>
            {
                Listening(options, $"serving {model.ModelDirectory} on {string.Join(", ", urls)} {listening}", "classify and explain texts with the model and read its details");
                SayWhatNoKeyMayDo(options, "POST /admin/reload is");
                SayWhatAStopDoes(options, fineTuning: false);
            }, cancellationToken);
            return ExitCodes.Success;
        }
        var fineTuningOptions = _fineTuning.Read(parseResult, options, modelDirectories, options.Classifier, _paths.Value);
        await _serving.ServeFineTuningAsync(fineTuningOptions, urls =>
        {
            Listening(options,
                $"serving the fine-tuning service from {fineTuningOptions.StoreDirectory}{AlsoServed(modelDirectories)} on {string.Join(", ", urls)} {listening}",
                "upload files, download the training data, start and cancel jobs, delete files and models");
            SayWhatNoKeyMayDo(options, "files, fine-tuning jobs, deleting models and the fine-tuning MCP tools are");
            SayWhatAStopDoes(options, fineTuning: true);
            // A store made before new ones were its owner's alone, or made by hand, keeps its mode: said, not changed.
            if (StoreAccess.OpenToOthersWarning(fineTuningOptions.StoreDirectory) is { } warning) _error.Writer.WriteLine(warning);
        }, cancellationToken);
        return ExitCodes.Success;
    }

    /// <summary>
    /// Reads the certificate once before anything starts, for the start line (subject and expiry, returned; null without
    /// one) and for what clients will object to (expired, not yet valid, not for a host listened on), said on stderr as
    /// warnings, as are a key or password file other users may read. The server reads the files again as it builds, and
    /// again whenever they change.
    /// </summary>
    /// <exception cref="InvalidOptionException">An address needs a certificate that is not given, or the certificate's files do not load.</exception>
    private string? CheckCertificate(ServingOptions options)
    {
        if (options.Certificate is not { } files) return null;
        // An https address missing, or a certificate without one, said before the files are judged.
        options.ValidateLimits();
        using var certificate = ServerCertificate.Load(files);
        foreach (var warning in certificate.Warnings(files, options.Urls, files.Clock.GetUtcNow()))
            _error.Writer.WriteLine($"warning: {OptionFlags.InText(warning)}");
        foreach (var warning in _tls.OpenToOthersWarnings(files)) _error.Writer.WriteLine(warning);
        return certificate.Describe();
    }

    /// <summary>How many keys of each kind the start line counts: "2 API key(s)" as before there were two kinds, when all are full.</summary>
    private static string KeysText(int full, int inference) =>
        inference == 0 ? (full > 0 ? $"{full} API key(s)" : "no API keys") : $"{full} full and {inference} inference API key(s)";

    /// <summary>
    /// Said at start when only inference keys are given: the routes that need a full key are then refused to every
    /// caller, not open, and an operator who expected to manage the server with one of those keys learns why he cannot.
    /// </summary>
    private void SayWhatNoKeyMayDo(ServingOptions options, string managementRoutes)
    {
        if (options.ApiKeys.Count == 0 && options.InferenceApiKeys.Count > 0)
            Log($"only inference API keys are set: {managementRoutes} refused to every caller; give --api-key for a key that may call them");
    }

    /// <summary>
    /// The <c>--model</c> directories a fine-tuning service serves beside its own models, as clients name them: the start
    /// line named the store alone, so an operator could not tell from the log which models a client may ask for.
    /// </summary>
    private static string AlsoServed(string[] modelDirectories) => modelDirectories.Length == 0 ? ""
        : $" and {(modelDirectories.Length == 1 ? "the model" : "the models")} {string.Join(", ", modelDirectories.Select(ServingEndpoints.ModelName))}";

    /// <summary>
    /// What a SIGTERM or Ctrl+C now does, said the moment it comes: the generic "the command stops at its next safe
    /// point" left an operator to guess whether requests in flight are answered, and for how long the stop may take.
    /// A fine-tuning service said the generic words too; its running jobs also checkpoint at their next optimizer step,
    /// within the same wait, and a job a second Ctrl+C cuts off resumes from its last checkpoint when the service next starts.
    /// </summary>
    private void SayWhatAStopDoes(ServingOptions options, bool fineTuning) => _stopNotice.Set(
        $"the server answers the requests in flight{(fineTuning ? " and running jobs checkpoint at their next optimizer step" : "")}, "
        + $"for at most {options.ShutdownTimeout.TotalSeconds:0.#} s, then exits",
        "cutting off the requests still in flight" + (fineTuning ? RunningJobsResume : ""),
        "the requests still in flight were cut off" + (fineTuning ? RunningJobsResume : ""));

    /// <summary>
    /// Started with its stdout closed (<c>&gt;&amp;-</c>), serve runs without its log, which is all it writes there: a
    /// server is run for its answers, and its first log line failed the start.
    /// </summary>
    private static bool WithoutLog => StandardStreams.AtStart.OutputClosed;

    /// <summary>A line of serve's own in its log (stdout), where it has one.</summary>
    private void Log(string line)
    {
        if (!WithoutLog) _console.MarkupLine(Markup.Escape(line));
    }

    private const string RunningJobsResume = "; running jobs resume from their last checkpoint when the service starts again";

    /// <summary>
    /// Reports the server listening, with a warning on stderr when it listens beyond loopback without keys: that is
    /// allowed (a trusted network, a proxy that authenticates), but it must not go unnoticed. <paramref name="anyone"/>
    /// says what anyone who can reach an open server can do with it.
    /// </summary>
    private void Listening(ServingOptions options, string line, string anyone)
    {
        Log(line);
        // A Unix socket is reached through its file's permissions, not the network.
        var open = options.Urls.Where(url => !HostAndOriginCheck.IsLoopback(url) && !HostAndOriginCheck.IsUnixSocket(url)).ToArray();
        if (options.RequiresApiKey || open.Length == 0) return;
        _error.Writer.WriteLine($"warning: {string.Join(", ", open)} is not a loopback address and no API key is set: anyone who can reach it can {anyone}; "
            + $"give --api-key, --api-key-file or {ApiKeysVariable} (or the inference-key options)");
    }
}
