using System.Diagnostics;
using OrtAgent.Data;
using OrtAgent.Progress;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// Loads a <see cref="TextClassifier"/> per call and runs texts through it. A file is checked before the model is
/// loaded (output path, header), counted in a first pass (so a bad row or an empty file fails before anything is
/// written, and the progress display knows the total), then classified batch by batch in a second pass.
/// </summary>
internal sealed class PredictionService(IProgressDisplay progress, InferenceModelLoader models) : IPredictionService
{
    public CutTexts Predict(InferenceModelOptions model, IReadOnlyList<string> texts, int? top, Action<IReadOnlyList<Prediction>> classified,
        CancellationToken cancellationToken)
    {
        if (texts.Count == 0) throw new UserInputException("no texts given: pass texts as arguments, or --input FILE --output FILE");
        using var classifier = models.Load(model);
        RequireTopWithin(top, classifier, model.ModelDirectory);
        TextArguments.RequireTokens(texts, classifier.Encoder, "classify");
        var cut = CutTexts.None(classifier.Encoder.MaxLength);
        foreach (var batch in texts.Chunk(model.BatchSize))
        {
            var predictions = classifier.PredictBatch(batch, cancellationToken);
            cut = cut.Add(predictions);
            classified(predictions);
        }
        return cut;
    }

    public async Task<FilePredictionResult> PredictFileAsync(InferenceModelOptions model, FilePredictionRequest request, CancellationToken cancellationToken)
    {
        PredictionFileWriter.CheckPath(request.Output, request.Input, model.ModelDirectory);
        var format = PredictionFileWriter.FormatOf(request.Output);
        var input = UnlabeledTextFile.Open(request.Input, new UnlabeledTextFileOptions { TextColumn = request.TextColumn });
        // A CSV or TSV header names the columns now; a JSON Lines file's are its objects' properties, known once read.
        var columns = input.Columns is { } header ? PredictionColumns.For(header, request.Input, format, request.Top) : null;
        var properties = columns is null ? new JsonLinesColumns(request.Input, asColumns: format != OutputFormat.JsonLines) : null;
        var clock = Stopwatch.StartNew();
        using var classifier = models.Load(model);
        RequireTopWithin(request.Top, classifier, model.ModelDirectory);
        long total = properties is not null || format == OutputFormat.Tsv
            ? Count(input.ReadRows(), cancellationToken, row =>
            {
                ExampleValidation.RequireTokens(classifier.Encoder, row.Text, request.Input, row.Line, input.TextColumn);
                properties?.Add(row);
                if (format == OutputFormat.Tsv) PredictionFileWriter.CheckFitsTsv(row, request.Input);
            })
            : Count(input, cancellationToken, text => ExampleValidation.RequireTokens(classifier.Encoder, text.Text, request.Input, text.Line, input.TextColumn));
        if (total == 0) throw new UserInputException($"{request.Input}: no texts to classify (the file has only a header)");
        columns ??= PredictionColumns.For(properties!.Names, request.Input, format, request.Top);

        // Opened before the progress starts, so an output that cannot be written is the only line printed.
        using var writer = PredictionFileWriter.Create(request.Output, columns);
        return await progress.RunAsync($"predict {Path.GetFileName(request.Input)}", total, report =>
        {
            long done = 0;
            var cut = CutTexts.None(classifier.Encoder.MaxLength);
            foreach (var batch in input.ReadRows().Chunk(model.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var predictions = classifier.PredictBatch([.. batch.Select(row => row.Text)], cancellationToken);
                cut = cut.Add(predictions);
                for (int i = 0; i < batch.Length; i++) writer.Write(batch[i], predictions[i]);
                done += batch.Length;
                report.Report(done);
                CrashPoint.Reach(CrashPoint.PredictionsWritten);
            }
            writer.Commit();
            return Task.FromResult(new FilePredictionResult(writer.Path, done, clock.Elapsed, cut));
        }).ConfigureAwait(false);
    }

    // --top's lower bound is checked as the command line is parsed; its upper one needs the model.
    private static void RequireTopWithin(int? top, TextClassifier classifier, string modelDirectory)
    {
        int labels = classifier.Labels.Count;
        if (top > labels)
            throw new UserInputException($"--top {top}: the model in {modelDirectory} has {labels} labels; give 1 to {labels}");
    }

    /// <summary>Reads the whole file once, validating every row and showing it to <paramref name="observe"/>, and returns the number of texts.</summary>
    private static long Count<T>(IEnumerable<T> rows, CancellationToken cancellationToken, Action<T>? observe = null)
    {
        long count = 0;
        foreach (var row in rows)
        {
            if ((++count & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            observe?.Invoke(row);
        }
        return count;
    }
}
