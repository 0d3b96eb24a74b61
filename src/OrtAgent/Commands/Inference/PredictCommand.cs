using System.CommandLine;
using System.Globalization;
using OrtAgent.Cli;
using OrtAgent.Inference;
using Spectre.Console;

namespace OrtAgent.Commands.Inference;

/// <summary>
/// <c>ortagent predict --model DIR "text" ...</c> prints <c>label&lt;TAB&gt;score</c> (or a JSON line with <c>--json</c>)
/// per text; <c>--input FILE --output FILE</c> classifies a whole data file into a CSV or JSON Lines file.
/// </summary>
internal sealed class PredictCommand : BaseCommand
{
    private readonly IPredictionService _predictions;
    private readonly IAnsiConsole _console;
    private readonly InferenceCommandOptions _model = new();
    private readonly TextsArgument _texts = new("Texts to classify (after \"--\" when one begins with '-').");
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object per text, with every label's probability." };
    private readonly Option<string> _input = new("--input", "-i") { Description = "A CSV, TSV or JSON Lines file of texts (labels optional) to classify." };
    private readonly Option<string> _output = new("--output", "-o") { Description = "Where --input's predictions go: .csv, .tsv or .jsonl, each input row's columns then label and score, written atomically." };
    private readonly Option<string> _textColumn = new("--text-column") { Description = "The text column of --input [default: detected]." };
    private readonly Option<int> _top = new("--top")
    {
        Description = "Give the K most probable labels, highest first, with their probabilities (in every output form) [default: the label alone; with --json, every label's].",
        HelpName = "K",
    };

    public PredictCommand(IPredictionService predictions, IAnsiConsole console)
        : base("predict", "Classify texts with an exported model, or a whole file with --input and --output.")
    {
        _predictions = predictions;
        _console = console;
        Arguments.Add(_texts.Argument);
        _model.AddTo(this);
        Options.Add(_json);
        Options.Add(_input);
        StandardInputRefusal.AddTo(_input);
        Options.Add(_output);
        Options.Add(_textColumn);
        _top.RequireAtLeast(1, "must be at least 1 (and at most the model's number of labels)");
        Options.Add(_top);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var model = _model.Read(parseResult);
        var texts = _texts.Read(parseResult);
        var input = parseResult.GetValue(_input);
        var output = parseResult.GetValue(_output);
        int? top = parseResult.GetResult(_top) is null ? null : parseResult.GetValue(_top);
        if (input is null)
        {
            if (output is not null) throw new UserInputException("--output needs --input FILE: texts given as arguments are printed");
            if (parseResult.GetValue(_textColumn) is not null) throw new UserInputException("--text-column needs --input FILE: it names the column of the file's texts");
            TextArguments.RequireText(texts, "classify", "pass texts as arguments, or --input FILE --output FILE");
            var writer = parseResult.InvocationConfiguration.Output;
            bool json = parseResult.GetValue(_json);
            int next = 0;
            // Each batch's lines as it is done: a stop (or a reader of a pipe) got nothing until every text was classified.
            var cut = _predictions.Predict(model, texts, top, predictions =>
            {
                foreach (var prediction in predictions)
                {
                    string text = texts[next++];
                    writer.WriteLine(json
                        ? PredictionJson.Format(text, prediction, top)
                        : string.Join('\t', (top is { } k ? prediction.Top(k) : [new(prediction.Label, prediction.Score)])
                            .Select(p => $"{p.Key}\t{p.Value.ToString("F4", CultureInfo.InvariantCulture)}")));
                }
                writer.Flush();
            }, cancellationToken);
            if (cut.Notice is { } cutNotice) await parseResult.InvocationConfiguration.Error.WriteLineAsync(cutNotice);
            return ExitCodes.Success;
        }

        if (texts.Length > 0) throw new UserInputException("give texts as arguments or --input FILE, not both");
        if (output is null) throw new UserInputException("--input needs --output FILE (.csv, .tsv or .jsonl)");
        if (parseResult.GetValue(_json))
            throw new UserInputException("--json applies to texts given as arguments; with --input the format follows --output's extension (.jsonl has every label's probability)");
        var result = await _predictions.PredictFileAsync(model, new FilePredictionRequest(input, output, parseResult.GetValue(_textColumn), top), cancellationToken);
        _console.MarkupLine(Markup.Escape(WroteLine(result.Texts, result.Output, result.Elapsed)));
        if (result.Cut.Notice is { } notice) await parseResult.InvocationConfiguration.Error.WriteLineAsync(notice);
        return ExitCodes.Success;
    }

    /// <summary>
    /// The line a file prediction ends with: how many predictions went where, in how long and at what rate, each count
    /// with its noun in the number it has ("1 prediction", "1 text/s": "1 texts/s" was written).
    /// </summary>
    internal static string WroteLine(long texts, string output, TimeSpan elapsed)
    {
        string rate = (texts / Math.Max(elapsed.TotalSeconds, 1e-9)).ToString("F0", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"wrote {texts} {(texts == 1 ? "prediction" : "predictions")} to {output} in {elapsed.TotalSeconds:F1} s ({rate} {(rate == "1" ? "text" : "texts")}/s)");
    }
}
