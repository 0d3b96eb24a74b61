using OrtAgent.Data;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Runtime.Text;
using OrtAgent.Training.Heads;

namespace OrtAgent.FineTuningService.Jobs;

/// <summary>
/// Reads a training or validation file once, before its job is queued: every line must parse (the error names the
/// line and the problem), a training file needs enough examples and at least two labels, and a validation file may
/// only use labels the training file has. Each row's text must give the job's tokenizer a token, as training requires
/// (a lone accent gives an uncased one none), in the words <c>ortagent train</c> refuses it with. A file with more
/// distinct labels than a classifier may have is refused at the first one too many, so the labels held stay bounded.
/// </summary>
internal static class TrainingFileCheck
{
    /// <summary>
    /// How often a read reports its rows: a large file takes seconds to read, and a caller that shows progress (an MCP
    /// host) hears of it that often, not at every row.
    /// </summary>
    public const int RowsPerReport = 1000;

    /// <summary>How the check's messages name a file: <c>training_file file-… (name.jsonl)</c>.</summary>
    public static string NameOf(string param, string fileId, string filename) => $"{param} {fileId} ({filename})";

    /// <param name="file">The stored file.</param>
    /// <param name="param">The request field that names it: <c>training_file</c> or <c>validation_file</c>.</param>
    /// <param name="minExamples">The fewest examples a training file may have.</param>
    /// <param name="tokenizer">The tokenizer the job trains with (<see cref="JobTokenizer.For"/>); null skips that check.</param>
    /// <param name="trainingLabels">The training file's labels, when this is the validation file; null for the training file.</param>
    /// <param name="cancellationToken">
    /// The creation's: a client that hung up stops the read at the next row (a large file took seconds to read for nobody).
    /// </param>
    /// <param name="reader">Reads the file's rows, stopping at the row after <paramref name="cancellationToken"/> is cancelled.</param>
    /// <param name="rowsRead">Told the rows read so far, every <see cref="RowsPerReport"/> rows and once more at the file's end; null tells nobody.</param>
    /// <returns>The examples of each distinct label (assistant contents, for chat files).</returns>
    /// <exception cref="OpenAIApiException">400 naming the file, the line and what is wrong.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static IReadOnlyDictionary<string, long> Check(StoredFile file, string param, int minExamples, BertTextEncoder? tokenizer, ITrainingFileRows reader,
        IReadOnlySet<string>? trainingLabels = null, CancellationToken cancellationToken = default, IProgress<long>? rowsRead = null)
    {
        string name = NameOf(param, file.Id, file.Filename);
        var labels = new Dictionary<string, long>(StringComparer.Ordinal);
        int count = 0;
        try
        {
            var rows = LabeledTextFile.Open(file.Path);
            foreach (var example in reader.Read(rows, cancellationToken))
            {
                count++;
                if (tokenizer is not null) ExampleValidation.RequireTokens(tokenizer, example.Text, file.Path, example.Line, rows.TextColumn);
                if (trainingLabels is not null && !trainingLabels.Contains(example.Label))
                    throw OpenAIApiException.BadRequest($"{name} line {example.Line}: label '{example.Label}' does not occur in the training file{LabelSet.CaseHint(example.Label, trainingLabels)}", param, "invalid_file");
                labels[example.Label] = labels.GetValueOrDefault(example.Label) + 1;
                // Refused as soon as it is passed: a 512 MB file of distinct labels (a wrong label column, or a file made
                // to be costly) held millions of them here, gigabytes, before the count was looked at.
                if (labels.Count > ClassifierHeadOptions.MaxLabels)
                    throw OpenAIApiException.BadRequest(
                        $"{name} line {example.Line}: label {PrintableText.Quote(example.Label)} is distinct label {labels.Count}; a classifier has at most {ClassifierHeadOptions.MaxLabels}: is the label column the one meant?",
                        param, "invalid_file");
                if (count % RowsPerReport == 0) rowsRead?.Report(count);
            }
            if (count % RowsPerReport != 0) rowsRead?.Report(count);
        }
        catch (UserInputException ex)
        {
            throw OpenAIApiException.BadRequest(ex.Message.Replace(file.Path, name, StringComparison.Ordinal), param, "invalid_file");
        }
        if (trainingLabels is null)
        {
            if (count < minExamples)
                throw OpenAIApiException.BadRequest($"{name}: has {count} {(count == 1 ? "example" : "examples")}; at least {minExamples} are required", param, "invalid_file");
            if (labels.Count < 2)
                throw OpenAIApiException.BadRequest($"{name}: every example has the label '{labels.Keys.Single()}'; a classifier needs at least two labels", param, "invalid_file");
            try
            {
                LabelSet.Create(labels.Keys, name);   // the rules training applies to a label set, checked before the job is queued
            }
            catch (UserInputException ex)
            {
                throw OpenAIApiException.BadRequest(ex.Message, param, "invalid_file");
            }
        }
        else if (count == 0)
            throw OpenAIApiException.BadRequest($"{name}: has no examples", param, "invalid_file");
        return labels;
    }
}
