using System.CommandLine;
using System.Globalization;
using OrtAgent.Cli;
using OrtAgent.Inference;
using Spectre.Console;

namespace OrtAgent.Commands.Inference;

/// <summary>
/// <c>ortagent eval --model DIR --data FILE [--by COLUMN] [--errors FILE]</c>: accuracy, macro-F1, per-class
/// precision/recall/F1/support and the confusion matrix as tables, and with <c>--by</c> the same per value of a column;
/// or one JSON object with <c>--json</c>. <c>--errors</c> writes the misclassified examples to a file.
/// </summary>
internal sealed class EvalCommand : BaseCommand
{
    private readonly IEvaluationService _evaluation;
    private readonly IAnsiConsole _console;
    private readonly InferenceCommandOptions _model = new();
    private readonly Option<string> _data = new("--data", "-d") { Description = "A labelled CSV, TSV or JSON Lines file.", Required = true };
    private readonly Option<string> _textColumn = new("--text-column") { Description = "The text column [default: detected]." };
    private readonly Option<string> _labelColumn = new("--label-column") { Description = "The label column [default: detected]." };
    private readonly Option<string> _by = new("--by")
    {
        Description = "Also score each value of this column separately (a source, a date; at most 100 values).",
        HelpName = "column",
    };
    private readonly Option<string> _errors = new("--errors")
    {
        Description = "Write the misclassified examples (line, text, label, predicted, score) to a .csv, .tsv or .jsonl file, atomically.",
        HelpName = "file",
    };
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object instead of tables." };

    public EvalCommand(IEvaluationService evaluation, IAnsiConsole console)
        : base("eval", "Score an exported model on a labelled file: accuracy, macro-F1, per-class scores, confusion matrix.")
    {
        _evaluation = evaluation;
        _console = console;
        _model.AddTo(this);
        Options.Add(_data);
        StandardInputRefusal.AddTo(_data);
        Options.Add(_textColumn);
        Options.Add(_labelColumn);
        Options.Add(_by);
        Options.Add(_errors);
        Options.Add(_json);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var request = new EvaluationRequest(
            parseResult.GetRequiredValue(_data), parseResult.GetValue(_textColumn), parseResult.GetValue(_labelColumn), parseResult.GetValue(_by),
            parseResult.GetValue(_errors));
        var result = await _evaluation.EvaluateAsync(_model.Read(parseResult), request, cancellationToken);
        // On stderr, with --json too, so stdout's table or JSON stays as it was.
        if (result.Cut.Notice is { } notice) await parseResult.InvocationConfiguration.Error.WriteLineAsync(notice);
        if (parseResult.GetValue(_json))
        {
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(EvaluationJson.Format(result));
            return ExitCodes.Success;
        }
        Render(result);
        if (request.GroupColumn is not null) RenderGroups(request.GroupColumn, result.Groups);
        if (result.ErrorsFile is not null)
            _console.MarkupLine(Markup.Escape($"wrote {N(result.Report.Count - result.Report.Correct)} misclassified examples to {result.ErrorsFile}"));
        return ExitCodes.Success;
    }

    private static string F(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private void Render(EvaluationResult result)
    {
        var report = result.Report;

        _console.Write(new Table().AddColumns("Model", "Data", "Examples", "Accuracy", "Macro-F1")
            .AddRow(Markup.Escape(result.ModelDirectory), Markup.Escape(result.Data), N(report.Count), F(report.Accuracy), F(report.MacroF1)));

        var perClass = new Table().AddColumns("Label", "Precision", "Recall", "F1", "Support");
        foreach (var c in report.PerClass)
            perClass.AddRow(Markup.Escape(c.Label), F(c.Precision), F(c.Recall), F(c.F1), N(c.Support));
        _console.Write(perClass);

        var confusion = new Table().Title("Confusion matrix").AddColumn("true \\ predicted");
        foreach (var label in report.Labels) confusion.AddColumn(new TableColumn(Markup.Escape(label)).RightAligned());
        for (int t = 0; t < report.Labels.Count; t++)
        {
            var row = new List<string> { Markup.Escape(report.Labels[t]) };
            for (int p = 0; p < report.Labels.Count; p++) row.Add(N(report.ConfusionMatrix[t, p]));
            confusion.AddRow(row.ToArray());
        }
        _console.Write(confusion);
    }

    // One row per group: how many of its examples were called each label tells where its errors go. Macro-F1 is left
    // out: a group often holds one true label, and its F1 averaged with the absent labels' zeros says nothing.
    private const string BlankGroup = "(blank)";

    /// <summary>The row name of a group: <c>(blank)</c> for empty values, and a value that is itself that text quoted, so the two rows differ.</summary>
    private static string GroupName(string group) => group.Length == 0 ? BlankGroup : group == BlankGroup ? $"'{BlankGroup}'" : group;

    private void RenderGroups(string column, IReadOnlyList<GroupReport> groups)
    {
        var labels = groups[0].Report.Labels;
        var table = new Table().Title($"By {Markup.Escape(column)}").AddColumns(Markup.Escape(column), "Examples", "Wrong", "Accuracy");
        foreach (var label in labels) table.AddColumn(new TableColumn($"called {Markup.Escape(label)}").RightAligned());
        foreach (var (group, report) in groups)
        {
            var row = new List<string> { Markup.Escape(GroupName(group)), N(report.Count), N(report.Count - report.Correct), F(report.Accuracy) };
            for (int p = 0; p < labels.Count; p++) row.Add(N(Enumerable.Range(0, labels.Count).Sum(t => report.ConfusionMatrix[t, p])));
            table.AddRow(row.ToArray());
        }
        _console.Write(table);
    }
}
