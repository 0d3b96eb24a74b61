using System.CommandLine;
using System.Globalization;
using OrtAgent.Cli;
using OrtAgent.Exporting;
using Spectre.Console;

namespace OrtAgent.Commands;

/// <summary><c>ortagent export</c>: turns a training checkpoint into <c>model.onnx</c> + <c>vocab.txt</c> + model card.</summary>
internal sealed class ExportCommand : BaseCommand
{
    private readonly IExportService _service;
    private readonly IAnsiConsole _console;
    private readonly Option<string> _checkpoint = new("--checkpoint") { Description = "Training artifacts directory (artifacts/NAME).", Required = true };
    private readonly Option<string> _output = new("--output") { Description = "Directory for the exported model (models/NAME).", Required = true };
    private readonly Option<string> _quantize = new("--quantize") { Description = "none or int8 (int8 MatMul weights and embeddings: about 4x smaller, CPU only)." , DefaultValueFactory = _ => "none" };
    private readonly Option<bool> _latest = new("--latest") { Description = "Export the latest parameters instead of the best evaluated ones." };

    public ExportCommand(IExportService service, IAnsiConsole console)
        : base("export", "Export a trained checkpoint as an ONNX model any ONNX Runtime app can load.")
    {
        _service = service;
        _console = console;
        foreach (var option in new Option[] { _checkpoint, _output, _quantize, _latest }) Options.Add(option);
    }

    protected override Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var quantize = parseResult.GetValue(_quantize)!.ToLowerInvariant() switch
        {
            "none" or "fp32" => false,
            "int8" => true,
            var other => throw new UserInputException($"--quantize '{other}': expected none or int8"),
        };
        var path = _service.Export(parseResult.GetValue(_checkpoint)!, parseResult.GetValue(_output)!, quantize, parseResult.GetValue(_latest));
        _console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"exported {path} ({new FileInfo(path).Length / 1e6:F1} MB)")));
        return Task.FromResult(ExitCodes.Success);
    }
}
