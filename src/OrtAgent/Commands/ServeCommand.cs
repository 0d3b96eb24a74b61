using System.CommandLine;
using OrtAgent.Cli;
using OrtAgent.Commands.Inference;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using Spectre.Console;

namespace OrtAgent.Commands;

/// <summary>
/// <c>ortagent serve</c>: serves an exported model over HTTP (TEI-shaped <c>/predict</c>, <c>/info</c>, <c>/health</c>,
/// <c>/metrics</c>, <c>/admin/reload</c>) until Ctrl+C, which drains requests in flight before exiting.
/// API keys come from <c>--api-key</c> or, to keep them out of process listings, the <c>ORTAGENT_API_KEYS</c> variable
/// (comma-separated).
/// </summary>
internal sealed class ServeCommand : BaseCommand
{
    public const string ApiKeysVariable = "ORTAGENT_API_KEYS";

    private readonly IServingService _serving;
    private readonly IAnsiConsole _console;
    private readonly InferenceCommandOptions _model = new();
    private readonly Option<string[]> _urls = new("--urls") { Description = "Addresses to listen on.", DefaultValueFactory = _ => ["http://127.0.0.1:8080"], AllowMultipleArgumentsPerToken = true };
    private readonly Option<int> _maxBatch = new("--max-batch") { Description = "Most texts coalesced into one model run; 1 turns micro-batching off.", DefaultValueFactory = _ => 32 };
    private readonly Option<int> _maxWait = new("--max-wait-ms") { Description = "How long the first queued request waits for company.", DefaultValueFactory = _ => 2 };
    private readonly Option<string[]> _apiKeys = new("--api-key") { Description = $"Require 'Authorization: Bearer <key>' (repeatable; or set {ApiKeysVariable}).", AllowMultipleArgumentsPerToken = true };
    private readonly Option<bool> _allowReload = new("--allow-unauthenticated-reload") { Description = "Allow POST /admin/reload without API keys configured." };
    private readonly Option<int> _maxInputs = new("--max-inputs") { Description = "Most texts in one request (413 above).", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _maxChars = new("--max-chars") { Description = "Most characters per text (422 above).", DefaultValueFactory = _ => 20_000 };

    public ServeCommand(IServingService serving, IAnsiConsole console)
        : base("serve", "Serve an exported model over HTTP with micro-batching, API keys, health and Prometheus metrics.")
    {
        _serving = serving;
        _console = console;
        _model.AddTo(this);
        foreach (var option in new Option[] { _urls, _maxBatch, _maxWait, _apiKeys, _allowReload, _maxInputs, _maxChars }) Options.Add(option);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var model = _model.Read(parseResult);
        var keys = (parseResult.GetValue(_apiKeys) ?? [])
            .Concat((Environment.GetEnvironmentVariable(ApiKeysVariable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToArray();
        int maxBatch = parseResult.GetValue(_maxBatch);
        ServerStartup.CheckUrls(parseResult.GetValue(_urls)!);
        var options = new ServingOptions
        {
            ModelDirectory = model.ModelDirectory,
            Urls = parseResult.GetValue(_urls)!,
            MaxBatch = maxBatch,
            MaxWaitMs = parseResult.GetValue(_maxWait),
            ApiKeys = keys,
            AllowUnauthenticatedReload = parseResult.GetValue(_allowReload),
            MaxInputsPerRequest = parseResult.GetValue(_maxInputs),
            MaxCharsPerInput = parseResult.GetValue(_maxChars),
            Classifier = new TextClassifierOptions
            {
                Session = new OrtSessionSettings { Device = model.Device, IntraOpThreads = model.Threads },
                MaxBatchSize = Math.Max(maxBatch, model.BatchSize),
            },
        };
        await _serving.ServeAsync(options, urls => _console.MarkupLine(Markup.Escape(
            $"serving {model.ModelDirectory} on {string.Join(", ", urls)} (max batch {maxBatch}, {(keys.Length > 0 ? $"{keys.Length} API key(s)" : "no API keys")}); Ctrl+C stops")),
            cancellationToken);
        return ExitCodes.Success;
    }
}
