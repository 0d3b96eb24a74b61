using System.CommandLine;
using OrtAgent.Cli;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Mcp;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Commands;

/// <summary>
/// <c>ortagent mcp</c>: serves exported models as Model Context Protocol tools over stdin/stdout, for an MCP client
/// (an agent or an IDE) that starts ortagent as its tool server. stdout carries only JSON-RPC; every log goes to stderr,
/// so this command prints nothing itself but warnings there.
/// </summary>
internal sealed class McpCommand : BaseCommand
{
    private readonly IMcpStdioServer _server;
    private readonly ErrorOutput _error;
    private readonly Option<string[]> _models = new("--model", "-m")
    {
        Description = "Exported model directory (repeatable); each model is named after its directory. Required unless --fine-tuning.",
        AllowMultipleArgumentsPerToken = false,
    };
    private readonly DeviceCommandOptions _execution = new();
    private readonly Option<int> _batchSize = new("--batch-size") { Description = "Texts sent to the model together.", DefaultValueFactory = _ => 32 };
    private readonly Option<int> _maxInputs = new("--max-inputs") { Description = "Most texts in one tool call.", DefaultValueFactory = _ => new ToolLimits().MaxInputs };
    private readonly Option<int> _maxChars = new("--max-chars") { Description = "Most characters per text.", DefaultValueFactory = _ => new ToolLimits().MaxChars };
    private readonly Microsoft.Extensions.Options.IOptions<Cli.OrtAgentPaths> _paths;
    private readonly FineTuningCommandOptions _fineTuning = new(
        "Also run the fine-tuning service on --store, with the tools start_fine_tuning, get_fine_tuning_job, list_fine_tuning_jobs, cancel_fine_tuning_job and resume_fine_tuning_job; the models its jobs train are served at once.");

    public McpCommand(IMcpStdioServer server, ErrorOutput error, Microsoft.Extensions.Options.IOptions<Cli.OrtAgentPaths> paths)
        : base("mcp", "Serve exported models as MCP tools (classify_text, explain_text, list_models; with --fine-tuning also start_fine_tuning, get_fine_tuning_job, list_fine_tuning_jobs, cancel_fine_tuning_job, resume_fine_tuning_job) over stdio, for agents and MCP clients.")
    {
        _server = server;
        _error = error;
        _paths = paths;
        Options.Add(_models);
        _execution.AddTo(this);
        foreach (var option in new Option[] { _batchSize, _maxInputs, _maxChars }) Options.Add(option);
        _fineTuning.AddTo(this);
        _batchSize.RequireAtLeast(1, "must be at least 1");
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var models = parseResult.GetValue(_models) ?? [];
        bool fineTuning = _fineTuning.IsEnabled(parseResult);
        if (models.Length == 0 && !fineTuning) throw new UserInputException("mcp needs --model DIR (or --fine-tuning)");
        var classifier = new TextClassifierOptions
        {
            MaxBatchSize = parseResult.GetValue(_batchSize),
            Session = _execution.ReadSession(parseResult),
        };
        var limits = new ToolLimits { MaxInputs = parseResult.GetValue(_maxInputs), MaxChars = parseResult.GetValue(_maxChars) };
        var request = new McpStdioRequest(models, classifier, limits)
        {
            // The service's HTTP settings are unused here: the tools reach it in-process.
            FineTuning = fineTuning ? _fineTuning.Read(parseResult, new ServingOptions(), models, classifier, _paths.Value) : null,
        };
        // As serve --fine-tuning warns: the store's data is as open as its folder, and a store made before new ones were
        // their owner's alone, or made by hand, keeps its mode. Before the run, which lasts as long as the client: stderr,
        // as stdout carries JSON-RPC only.
        if (fineTuning && StoreAccess.OpenToOthersWarning(_fineTuning.Store(parseResult)) is { } warning) _error.Writer.WriteLine(warning);
        await _server.RunAsync(request, cancellationToken);
        return ExitCodes.Success;
    }
}
