using System.CommandLine;
using System.Globalization;
using OrtAgent.Cli;
using OrtAgent.Exporting;
using OrtAgent.Runtime;
using Spectre.Console;

namespace OrtAgent.Commands;

/// <summary>
/// <c>ortagent export</c>: turns a training checkpoint into <c>model.onnx</c> + <c>explain.onnx</c> + <c>vocab.txt</c> +
/// model card; <c>export --explain --model DIR</c> adds <c>explain.onnx</c> to a model exported without one.
/// </summary>
internal sealed class ExportCommand : BaseCommand
{
    private readonly IExportService _service;
    private readonly IAnsiConsole _console;
    private readonly ErrorOutput _error;
    private readonly StopNotice _stopNotice;
    private readonly Option<string> _checkpoint = new("--checkpoint") { Description = "Training artifacts directory (artifacts/NAME)." };
    private readonly Option<string> _output = new("--output") { Description = "Directory for the exported model (models/NAME)." };
    private readonly Option<string> _quantize = new("--quantize") { Description = "none or int8 (int8 MatMul weights and embeddings: about 4x smaller, CPU only)." , DefaultValueFactory = _ => "none" };
    private readonly Option<bool> _latest = new("--latest") { Description = "Export the latest parameters instead of the best evaluated ones (which a run not yet evaluated has none of: its latest are exported, with a warning)." };
    private readonly Option<bool> _noExplain = new("--no-explain") { Description = "Leave out explain.onnx (the graph `ortagent explain` runs; about the fp32 model's size again)." };
    private readonly Option<bool> _explain = new("--explain") { Description = "Add explain.onnx to the fp32 model in --model DIR (a model exported with --no-explain, or before explanations); nothing else changes." };
    private readonly Option<bool> _adapterOnly = new("--adapter-only") { Description = "For a LoRA run: write only the adapter (adapter.safetensors + adapter_config.json, PEFT's naming) instead of a merged model." };
    private readonly Option<string> _model = new("--model") { Description = "With --explain: the exported model directory to add explain.onnx to." };

    public ExportCommand(IExportService service, IAnsiConsole console, ErrorOutput error, StopNotice stopNotice)
        : base("export", "Export a trained checkpoint as an ONNX model any ONNX Runtime app can load.")
    {
        _service = service;
        _console = console;
        _error = error;
        _stopNotice = stopNotice;
        foreach (var option in new Option[] { _checkpoint, _output, _quantize, _latest, _noExplain, _explain, _model, _adapterOnly }) Options.Add(option);
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(_explain)) return Task.FromResult(AddExplainGraph(parseResult));
        if (parseResult.GetValue(_model) is not null) throw new UserInputException("--model is for --explain; to export a checkpoint use --checkpoint artifacts/NAME --output DIR");
        var checkpoint = parseResult.GetValue(_checkpoint) ?? throw new UserInputException("--checkpoint artifacts/NAME is required (or --explain --model DIR to add explain.onnx to an exported model)");
        var output = parseResult.GetValue(_output) ?? throw new UserInputException("--output DIR is required: the directory for the exported model");
        if (parseResult.GetValue(_adapterOnly))
        {
            if (parseResult.WasGiven(_quantize) || parseResult.GetValue(_noExplain))
                throw new UserInputException("--adapter-only writes the adapter alone; --quantize and --no-explain apply to a merged model");
            var adapter = _service.ExportAdapter(checkpoint, output, parseResult.GetValue(_latest));
            _console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"exported {adapter} ({new FileInfo(adapter).Length / 1e6:F2} MB)")));
            return Task.FromResult(ExitCodes.Success);
        }
        var quantize = parseResult.GetValue(_quantize)!.ToLowerInvariant() switch
        {
            "none" or "fp32" => false,
            "int8" => true,
            var other => throw new UserInputException($"--quantize '{other}': expected none or int8"),
        };
        // The export writes aside and puts the model in place by one rename: a stop before it, or a kill, leaves --output as it was.
        _stopNotice.ExportingTo(output);
        string path;
        try
        {
            path = _service.Export(checkpoint, output, quantize, parseResult.GetValue(_latest), !parseResult.GetValue(_noExplain), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Said as train says a stop before its export ("cancelled" alone did not say whether --output was replaced),
            // on stderr with it: stdout is for results.
            _error.Writer.WriteLine($"Cancelled before the model was put in place: {output} is as it was.");
            throw;
        }
        _stopNotice.Reset();
        _console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"exported {path} ({new FileInfo(path).Length / 1e6:F1} MB)")));
        var explain = Path.Combine(Path.GetDirectoryName(path)!, ModelContract.ExplainModelFile);
        if (File.Exists(explain)) ReportExplainGraph(explain);
        return Task.FromResult(ExitCodes.Success);
    }

    private int AddExplainGraph(ParseResult parseResult)
    {
        var model = parseResult.GetValue(_model) ?? throw new UserInputException("--explain needs --model DIR: the exported model to add explain.onnx to");
        foreach (var option in new Option[] { _checkpoint, _output, _quantize, _latest, _noExplain })
            if (parseResult.WasGiven(option))
                throw new UserInputException($"--explain --model DIR adds explain.onnx to an exported model; {option.Name} does not apply");
        ReportExplainGraph(_service.AddExplainGraph(model));
        return ExitCodes.Success;
    }

    private void ReportExplainGraph(string path) =>
        _console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"wrote {path} ({new FileInfo(path).Length / 1e6:F1} MB)")));
}
