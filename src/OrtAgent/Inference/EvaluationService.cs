using System.Diagnostics;
using OrtAgent.Data;
using OrtAgent.Progress;
using OrtAgent.Runtime;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.Inference;

/// <summary>
/// Runs a labelled file through a <see cref="TextClassifier"/> in batches and accumulates a
/// <see cref="ClassificationReport"/> over the model's labels. The file is counted (and every row checked) first.
/// </summary>
internal sealed class EvaluationService(IProgressDisplay progress) : IEvaluationService
{
    public async Task<EvaluationResult> EvaluateAsync(InferenceModelOptions model, EvaluationRequest request, CancellationToken cancellationToken)
    {
        var data = LabeledTextFile.Open(request.Data, new DataReadOptions { TextColumn = request.TextColumn, LabelColumn = request.LabelColumn });
        var clock = Stopwatch.StartNew();
        using var classifier = TextClassifier.Load(model.ModelDirectory, model.ToClassifierOptions());
        var labels = classifier.Labels;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < labels.Count; i++) index[labels[i]] = i;

        // A first pass checks every row and label before any inference, and gives the progress display its total.
        long total = 0;
        foreach (var example in data)
        {
            if ((++total & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (!index.ContainsKey(example.Label)) throw UnknownLabel(request.Data, example, labels);
        }
        if (total == 0) throw new UserInputException($"{request.Data}: no examples to evaluate (the file has only a header)");

        return await progress.RunAsync($"eval {Path.GetFileName(request.Data)}", total, report =>
        {
            var builder = new ClassificationReportBuilder(labels);
            long done = 0;
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
                for (int i = 0; i < batch.Length; i++) builder.Add(truth[i], index[predictions[i].Label]);
                done += batch.Length;
                report.Report(done);
            }
            return Task.FromResult(new EvaluationResult(classifier.Directory, request.Data, builder.Build(), clock.Elapsed));
        }).ConfigureAwait(false);
    }

    private static UserInputException UnknownLabel(string path, LabeledText example, IReadOnlyList<string> labels) =>
        new($"{path} line {example.Line}: label '{example.Label}' is not one the model knows; its labels are {string.Join(", ", labels.Select(l => $"'{l}'"))}");
}
