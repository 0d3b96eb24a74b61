using System.CommandLine;
using System.Globalization;
using OrtAgent.Artifacts;
using OrtAgent.Cli;
using OrtAgent.Data;
using OrtAgent.Training.Heads;
using Spectre.Console;

namespace OrtAgent.Commands;

/// <summary>
/// <c>ortagent artifacts</c>: writes the training, eval and optimizer graphs and the initial checkpoint for a base model,
/// the roles ONNX Runtime's on-device training artifacts had, built from standard ONNX ops.
/// </summary>
internal sealed class ArtifactsCommand : BaseCommand
{
    private readonly IArtifactsService _service;
    private readonly IAnsiConsole _console;
    private readonly Option<string> _base = new("--base") { Description = "Base model: minilm, arctic-xs or a directory.", DefaultValueFactory = _ => "minilm" };
    private readonly Option<int> _numLabels = new("--num-labels") { Description = "Outputs of the classifier.", DefaultValueFactory = _ => 2 };
    private readonly Option<string[]> _labels = new("--labels") { Description = "Label names in output order, space-separated (--labels negative positive), as many as --num-labels [default: LABEL_0, LABEL_1…].", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string> _pooling = new("--pooling") { Description = "mean, cls or pooler.", DefaultValueFactory = _ => "mean" };
    private readonly Option<string[]> _freeze = new("--freeze") { Description = "Freeze parameters by name glob; a module's name freezes everything under it (embeddings, encoder.layer.0, *.attention.*); repeatable.", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string> _freezeLayers = new("--freeze-layers") { Description = "Freeze encoder layers by index range, e.g. 0-3." };
    private readonly Option<string> _loss = new("--loss") { Description = "ce (softmax cross-entropy), bce (multi-label), mse (regression) or kd (distillation: the training graph also takes the teacher's logits, input 'teacher_logits').", DefaultValueFactory = _ => "ce" };
    private readonly Option<string> _optimizer = new("--optimizer") { Description = "adamw or sgd.", DefaultValueFactory = _ => "adamw" };
    // TrainingArtifactsOptions.Seed checks it.
    private readonly Option<int> _seed = new Option<int>("--seed") { Description = "Seeds the classifier initialisation.", DefaultValueFactory = _ => 42 }.Takes(0, int.MaxValue);
    private readonly Option<float> _dropout = new("--dropout") { Description = "Head dropout ratio in the training graph.", DefaultValueFactory = _ => 0.1f };
    private readonly Option<string> _output = new("--output") { Description = "Directory to write (artifacts/NAME).", Required = true };

    public ArtifactsCommand(IArtifactsService service, IAnsiConsole console)
        : base("artifacts", "Generate training artifacts: training_model.onnx, eval_model.onnx, optimizer_model.onnx and a checkpoint.")
    {
        _service = service;
        _console = console;
        // --output names the artifacts' folder itself, so of the roots only the models' (where --base is pulled) applies.
        foreach (var option in new Option[] { _base, _numLabels, _labels, _pooling, _freeze, _freezeLayers, _loss, _optimizer, _seed, _dropout, _output, CliGlobalOptions.ModelsRoot() })
            Options.Add(option);
        _numLabels.RequireBetween(1, ClassifierHeadOptions.MaxLabels, $"must be between 1 and {ClassifierHeadOptions.MaxLabels}");
        _labels.Validators.Add(result =>
        {
            if (result.Tokens.GroupBy(t => t.Value, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
                result.AddError($"{_labels.Name}: '{twice.Key}' is given twice; each label needs a distinct name");
            // Refused as in a data file (LabelSet): "Spam" beside "spam" would be trained as two classes of one.
            else if (LabelSet.FirstVariants(result.Tokens.Select(t => t.Value)) is { } variants)
                result.AddError(LabelSet.CaseVariants(_labels.Name, variants).Message);
        });
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var labels = parseResult.GetValue(_labels) is { Length: > 0 } given ? given : null;
        var request = new ArtifactsRequest(parseResult.GetValue(_base)!, parseResult.GetValue(_numLabels), labels,
            parseResult.GetValue(_pooling)!, parseResult.GetValue(_freeze) ?? [], parseResult.GetValue(_freezeLayers), parseResult.GetValue(_loss)!,
            parseResult.GetValue(_optimizer)!, parseResult.GetValue(_seed), parseResult.GetValue(_dropout), parseResult.GetValue(_output)!);
        var (artifacts, check) = await _service.GenerateAsync(request, cancellationToken);
        var table = new Table().AddColumn("file").AddColumn(new TableColumn("size").RightAligned());
        foreach (var file in Directory.EnumerateFiles(artifacts.Directory, "*", SearchOption.AllDirectories).Order())
            table.AddRow(Markup.Escape(Path.GetRelativePath(artifacts.Directory, file)), (new FileInfo(file).Length / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " MB");
        _console.Write(table);
        var p = artifacts.Properties;
        _console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{p.TrainableParameters.Count} trainable and {p.FrozenParameters.Count} frozen parameters; all three graphs load in ONNX Runtime with full optimisation ({check.TotalSeconds:F1} s).")));
        return ExitCodes.Success;
    }
}
