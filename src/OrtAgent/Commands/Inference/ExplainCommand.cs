using System.CommandLine;
using OrtAgent.Cli;
using OrtAgent.Explanations;
using OrtAgent.Inference;
using OrtAgent.Runtime.Explanations;
using Spectre.Console;

namespace OrtAgent.Commands.Inference;

/// <summary>
/// <c>ortagent explain --model DIR "text" ...</c>: which words drove each classification (integrated gradients over the
/// word embeddings, run by the model's <c>explain.onnx</c>), as coloured text, JSON lines (<c>--json</c>) or an HTML
/// page (<c>--html FILE</c>).
/// </summary>
internal sealed class ExplainCommand : BaseCommand
{
    private readonly IExplanationService _explanations;
    private readonly IAnsiConsole _console;
    private readonly InferenceCommandOptions _model = new();
    private readonly TextsArgument _texts = new("Texts to explain (after \"--\" when one begins with '-').");
    private readonly Option<string> _label = new("--label") { Description = "Explain this label's score instead of the predicted label's." };
    private readonly Option<int> _steps = new("--steps") { Description = $"Points on the path from the baseline to the text, 1 to {ExplainOptions.MaxSteps} (more: smaller completeness gap, slower).", DefaultValueFactory = _ => 32 };
    private readonly Option<string> _baseline = new("--baseline") { Description = "pad or mask: the token every word is replaced by at the start of the path ([CLS] and [SEP] stay).", DefaultValueFactory = _ => "pad" };
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object per text: words with offsets (UTF-16 code units) and attributions, logits, completeness gap." };
    private readonly Option<string> _html = new("--html") { Description = "Write a self-contained HTML page highlighting the words to FILE (written atomically)." };

    public ExplainCommand(IExplanationService explanations, IAnsiConsole console)
        : base("explain", "Show which words drove a classification (integrated gradients; needs explain.onnx beside model.onnx).")
    {
        _explanations = explanations;
        _console = console;
        Arguments.Add(_texts.Argument);
        Options.Add(_model.Model);
        _model.Execution.AddTo(this);
        foreach (var option in new Option[] { _label, _steps, _baseline, _json, _html }) Options.Add(option);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var texts = _texts.Read(parseResult);
        var html = parseResult.GetValue(_html);
        bool json = parseResult.GetValue(_json);
        if (json && html is not null) throw new UserInputException("choose --json or --html FILE, not both");
        var model = new InferenceModelOptions(parseResult.GetRequiredValue(_model.Model)) { Session = _model.Execution.ReadSession(parseResult) };
        var options = new ExplainOptions
        {
            Steps = parseResult.GetValue(_steps),
            Baseline = ExplanationService.ParseBaseline(parseResult.GetValue(_baseline), "--baseline"),
            Label = parseResult.GetValue(_label),
        };
        if (html is not null) ExplanationHtmlPage.CheckPath(html, model.ModelDirectory);
        var page = new List<TextExplanation>();
        int shown = 0;
        var writer = parseResult.InvocationConfiguration.Output;
        // Each text's explanation is written as it is made (seconds each): a stop lost every one made before it.
        var cut = _explanations.Explain(model, texts, options, explanation =>
        {
            if (html is not null)
            {
                page.Add(explanation);
            }
            else
            {
                if (json) writer.WriteLine(ExplanationJson.Format(explanation));
                else
                {
                    if (shown++ > 0) _console.WriteLine();
                    ExplanationConsoleRenderer.Render(_console, explanation);
                }
                writer.Flush();
            }
        }, cancellationToken);
        if (html is not null)
        {
            ExplanationHtmlPage.Write(html, model.ModelDirectory, page);
            _console.MarkupLine(Markup.Escape($"wrote {page.Count} explanation(s) to {Path.GetFullPath(html)}"));
        }
        // On stderr, as predict and eval say it: the words past the limit were neither classified nor explained.
        if (cut.Notice is { } notice) await parseResult.InvocationConfiguration.Error.WriteLineAsync(notice);
        return ExitCodes.Success;
    }
}
