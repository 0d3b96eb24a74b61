using OrtAgent.Data;
using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.FineTuning;

/// <summary>
/// <c>--promote-to DIR</c>: replaces the model in DIR with the newly exported one only when the new model beats it on
/// the new run's validation examples, both models scored there through <see cref="TextClassifier"/> as they would
/// serve; or when DIR has no model yet. Metrics the two models recorded are never compared: each was measured on its
/// own run's validation split, so a model validated on easy texts would replace a better one validated on hard ones.
/// The swap is a directory rename, so a server reloading from DIR sees the old model or the new one, never a mixture;
/// DIR keeps its permissions and owner.
/// </summary>
public static class ModelPromotion
{
    /// <summary>
    /// Refuses, before any training, a <c>--promote-to</c> that OrtAgent could not replace (see
    /// <see cref="DestinationGuard"/>) or whose model cannot be loaded: promotion scores that model, so one that fails to
    /// load would fail every run after its training, and never be replaced.
    /// </summary>
    /// <exception cref="UserInputException">DIR may not be replaced, cannot be written, or holds a model that cannot be loaded.</exception>
    public static void CheckDestination(string promoteTo)
    {
        DestinationGuard.Check(promoteTo, DirectoryLayout.ExportedModel, $"--promote-to {promoteTo}");
        if (IncumbentInfo(promoteTo) is null) return;
        // Loading is the check, so the graph is not optimised: that is most of a session's start, paid before training.
        using (Load(promoteTo, new TextClassifierOptions { Session = new OrtSessionSettings { OptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL } })) { }
    }

    /// <summary>
    /// Refuses, once the data is read and before any training, a promotion that could never happen: DIR's model has other
    /// labels than the data, so the two models cannot be scored on the same examples, and the one in DIR is not
    /// interchangeable with the new one for whatever reads its predictions.
    /// </summary>
    /// <exception cref="UserInputException">DIR's model has a different set of labels.</exception>
    public static void CheckLabels(string promoteTo, IReadOnlyList<string> labels)
    {
        if (IncumbentInfo(promoteTo) is { } incumbent) RefuseOtherLabels(promoteTo, incumbent.Labels, labels);
    }

    /// <summary>
    /// Scores the model in <paramref name="newModelDirectory"/> and the one in <paramref name="promoteTo"/> on
    /// <paramref name="validation"/> by <paramref name="metric"/>, and moves the new one there when it is strictly better
    /// (or nothing is there). Runs one promotion into DIR at a time.
    /// </summary>
    /// <exception cref="UserInputException">DIR's model cannot be loaded, or has other labels.</exception>
    public static PromotionDecision Promote(string newModelDirectory, string promoteTo, ValidationMetric metric,
        IReadOnlyList<LabeledExample> validation, OrtSessionSettings? scoring = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(validation.Count);
        var options = new TextClassifierOptions { Session = scoring ?? new OrtSessionSettings() };
        string name = ValidationMetricNames.Of(metric);
        using var newModel = Load(newModelDirectory, options);
        // Scored before the claim, which other runs wait for: under it only the model in DIR is scored.
        double candidate = Score(newModel, validation, metric, options, cancellationToken);
        // Two runs promoting at once would each compare with the same incumbent and the last to swap would win, better
        // or not: one at a time, the second comparing with what the first left.
        using var claim = ProcessLock.AcquireWaiting(ProcessLock.FileBeside(promoteTo), PromotionWait,
            $"--promote-to {promoteTo}: another OrtAgent run has been promoting into it for over {PromotionWait.TotalMinutes:0} minutes; try again when it is done",
            cancellationToken, claimed: $"--promote-to {promoteTo}");
        TemporarySiblings.Sweep(promoteTo);
        if (!File.Exists(Path.Combine(promoteTo, ModelContract.ModelFile)))
            return Swap(newModelDirectory, promoteTo, new PromotionDecision(true, promoteTo, name, candidate, null, validation.Count));
        double incumbent;
        using (var oldModel = Load(promoteTo, options))
        {
            // Another run may have promoted a model of other labels since this one checked them.
            RefuseOtherLabels(promoteTo, oldModel.Labels, newModel.Labels);
            incumbent = Score(oldModel, validation, metric, options, cancellationToken);
        }
        var decision = new PromotionDecision(Beats(metric, candidate, incumbent), promoteTo, name, candidate, incumbent, validation.Count);
        return decision.Promoted ? Swap(newModelDirectory, promoteTo, decision) : decision;
    }

    /// <summary>
    /// Whether <paramref name="candidate"/> is strictly better. A score that is not a number (a model answering NaN) loses
    /// to any that is: otherwise no comparison with it holds, and such a model in DIR would never be replaced.
    /// </summary>
    private static bool Beats(ValidationMetric metric, double candidate, double incumbent) =>
        double.IsFinite(candidate) && (!double.IsFinite(incumbent) || new EarlyStopping(metric, 0).Beats(candidate, incumbent));

    /// <summary>
    /// How long a promotion waits for another into the same directory, which scores the model there on that run's
    /// validation examples (minutes for tens of thousands); Ctrl+C ends the wait.
    /// </summary>
    private static readonly TimeSpan PromotionWait = TimeSpan.FromMinutes(15);

    /// <summary>Replaces DIR with a copy of the new model's directory, by one rename.</summary>
    private static PromotionDecision Swap(string newModelDirectory, string promoteTo, PromotionDecision decision)
    {
        var target = Path.GetFullPath(promoteTo);
        var staging = TemporarySiblings.For(target, "promote");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var file in Directory.GetFiles(newModelDirectory))
                File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
            CrashPoint.Reach(CrashPoint.PromotionCopied);
            AtomicDirectory.Replace(staging, target, DirectoryLayout.ExportedModel);
            TemporarySiblings.Release(staging);
        }
        finally
        {
            // After a successful swap the staging name is gone; after a failure nothing half-copied may stay behind.
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return decision;
    }

    private static TextClassifier Load(string directory, TextClassifierOptions options)
    {
        try
        {
            return TextClassifier.Load(directory, options);
        }
        catch (ModelLoadException ex)
        {
            throw new UserInputException($"--promote-to: {ex.Message}; the model there cannot be scored to compare with, so remove it to promote into the directory", ex);
        }
    }

    /// <summary>
    /// <paramref name="classifier"/> on <paramref name="examples"/>: accuracy and macro-F1 of its predictions, or the mean
    /// cross-entropy of its probabilities, each example's label matched to the model's by name.
    /// </summary>
    private static double Score(TextClassifier classifier, IReadOnlyList<LabeledExample> examples, ValidationMetric metric,
        TextClassifierOptions options, CancellationToken cancellationToken)
    {
        var labels = classifier.Labels;
        var builder = new ClassificationReportBuilder(labels);
        double loss = 0;
        foreach (var batch in examples.Chunk(options.MaxBatchSize))
        {
            var predictions = classifier.PredictBatch(batch.Select(e => e.Text).ToArray(), cancellationToken);
            for (int i = 0; i < batch.Length; i++)
            {
                builder.Add(IndexOf(labels, batch[i].Label), IndexOf(labels, predictions[i].Label));
                // The probability of the true label, floored so a confident mistake is a large loss, not an infinite one.
                loss -= Math.Log(Math.Max(predictions[i].Probabilities[batch[i].Label], 1e-12));
            }
        }
        builder.AddLoss(loss / examples.Count, examples.Count);
        return builder.Build().Metric(metric);
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (int i = 0; i < labels.Count; i++)
            if (string.Equals(labels[i], label, StringComparison.Ordinal)) return i;
        throw new InvalidOperationException($"label '{label}' is not among the model's labels, which were checked before scoring");
    }

    private static void RefuseOtherLabels(string promoteTo, IReadOnlyList<string> incumbent, IReadOnlyList<string> labels)
    {
        if (incumbent.Count == labels.Count && incumbent.ToHashSet(StringComparer.Ordinal).SetEquals(labels)) return;
        throw new UserInputException(
            $"--promote-to {promoteTo}: its model's labels ({PrintableText.QuoteAll(incumbent)}) differ from the data's ({PrintableText.QuoteAll(labels)}), " +
            "so the two models cannot be compared on the same examples; to replace it anyway, remove it first");
    }

    /// <summary>What DIR's model records about itself, or null when DIR has no model yet.</summary>
    /// <exception cref="UserInputException">DIR has a model.onnx that is not an OrtAgent export.</exception>
    private static ClassifierModelInfo? IncumbentInfo(string directory)
    {
        var path = Path.Combine(directory, ModelContract.ModelFile);
        if (!File.Exists(path)) return null;
        try
        {
            // The metadata alone, so a newer OrtAgent's model is refused by its format, not by a graph this build cannot parse.
            return ModelContract.ReadInfo(directory, OnnxModel.ReadMetadata(path));
        }
        catch (Exception ex) when (ex is ModelLoadException or InvalidDataException)
        {
            throw new UserInputException($"--promote-to {directory}: {ex.Message}", ex);
        }
    }
}
