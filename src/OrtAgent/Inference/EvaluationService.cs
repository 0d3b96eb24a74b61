using System.Diagnostics;
using OrtAgent.Data;
using OrtAgent.Progress;
using OrtAgent.Runtime;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Inference;

/// <summary>
/// Runs a labelled file through a <see cref="TextClassifier"/> in batches and accumulates a
/// <see cref="ClassificationReport"/> over the model's labels, and one per value of the group column when the request
/// names one; writes the misclassified examples when it names a file for them. The file is counted (and every row
/// checked) first, and the errors file is committed only once every example has been scored.
/// </summary>
internal sealed class EvaluationService(IProgressDisplay progress, InferenceModelLoader models) : IEvaluationService
{
    /// <summary>More values than this mean the column is not a grouping (an id, a text) and the tables would be useless.</summary>
    internal const int MaxGroups = 100;

    public async Task<EvaluationResult> EvaluateAsync(InferenceModelOptions model, EvaluationRequest request, CancellationToken cancellationToken)
    {
        var data = LabeledTextFile.Open(request.Data, new LabeledTextFileOptions
        {
            TextColumn = request.TextColumn,
            LabelColumn = request.LabelColumn,
            GroupColumn = request.GroupColumn,
            ForEvaluation = true,
        });
        if (request.ErrorsOutput is not null) MisclassifiedFileWriter.CheckPath(request.ErrorsOutput, request.Data, model.ModelDirectory);
        // Any example may turn out misclassified: one a .tsv file cannot hold is refused before the model runs.
        bool errorsInTsv = request.ErrorsOutput is not null && MisclassifiedFileWriter.IsTsv(request.ErrorsOutput);
        var clock = Stopwatch.StartNew();
        using var classifier = models.Load(model);
        var labels = classifier.Labels;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < labels.Count; i++) index[labels[i]] = i;

        // A first pass checks every row and label before any inference, and gives the progress display its total.
        long total = 0;
        var groups = new SortedDictionary<string, ClassificationReportBuilder>(StringComparer.Ordinal);
        foreach (var example in data)
        {
            if ((++total & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (!index.ContainsKey(example.Label)) throw UnknownLabel(request.Data, example, labels);
            ExampleValidation.RequireTokens(classifier.Encoder, example.Text, request.Data, example.Line, data.TextColumn);
            if (errorsInTsv) MisclassifiedFileWriter.CheckFitsTsv(example, request.Data);
            if (example.Group is { } group && !groups.ContainsKey(group))
            {
                if (groups.Count == MaxGroups) throw TooManyGroups(request, example);
                groups.Add(group, new ClassificationReportBuilder(labels));
            }
        }
        if (total == 0) throw new UserInputException($"{request.Data}: no examples to evaluate (the file has only a header)");

        return await progress.RunAsync($"eval {Path.GetFileName(request.Data)}", total, report =>
        {
            var builder = new ClassificationReportBuilder(labels);
            using var errors = request.ErrorsOutput is null ? null : MisclassifiedFileWriter.Create(request.ErrorsOutput, request.GroupColumn);
            long done = 0;
            var cut = CutTexts.None(classifier.Encoder.MaxLength);
            foreach (var batch in data.Chunk(model.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var truth = new int[batch.Length];
                for (int i = 0; i < batch.Length; i++)
                {
                    // The file may have changed since the first pass.
                    if (!index.TryGetValue(batch[i].Label, out truth[i])) throw UnknownLabel(request.Data, batch[i], labels);
                }
                var predictions = classifier.PredictBatch(batch.Select(e => e.Text).ToArray(), cancellationToken);
                cut = cut.Add(predictions);
                for (int i = 0; i < batch.Length; i++)
                {
                    int predicted = index[predictions[i].Label];
                    builder.Add(truth[i], predicted);
                    if (predicted != truth[i]) errors?.Write(batch[i], predictions[i]);
                    if (batch[i].Group is not { } group) continue;
                    // The file may have changed since the first pass.
                    if (!groups.TryGetValue(group, out var groupBuilder)) throw new UserInputException($"{request.Data} line {batch[i].Line}: the file changed while it was evaluated");
                    groupBuilder.Add(truth[i], predicted);
                }
                done += batch.Length;
                report.Report(done);
            }
            errors?.Commit();
            var groupReports = groups.Select(g => new GroupReport(g.Key, g.Value.Build())).ToArray();
            return Task.FromResult(new EvaluationResult(classifier.Directory, request.Data, builder.Build(), clock.Elapsed, groupReports, cut, errors?.Path));
        }).ConfigureAwait(false);
    }

    private static UserInputException TooManyGroups(EvaluationRequest request, LabeledText example) =>
        new($"{request.Data} line {example.Line}: column '{request.GroupColumn}' (from --by) has more than {MaxGroups} distinct values; "
            + "group by a column with a few values, such as a source or a date");

    private static UserInputException UnknownLabel(string path, LabeledText example, IReadOnlyList<string> labels) =>
        new($"{path} line {example.Line}: label {PrintableText.Quote(example.Label)} is not a label the model knows; its labels are {PrintableText.QuoteAll(labels)}{LabelSet.CaseHint(example.Label, labels)}");
}
