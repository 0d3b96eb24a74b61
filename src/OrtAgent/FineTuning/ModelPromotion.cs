using OrtAgent.Onnx;
using OrtAgent.Runtime;
using OrtAgent.Training.Checkpoints;
using OrtAgent.Training.Evaluation;

namespace OrtAgent.FineTuning;

/// <summary>
/// <c>--promote-to DIR</c>: replaces the model in DIR with the newly exported one only when the new validation metric
/// beats the one recorded in DIR's model, or DIR has no model yet; a model that records no such metric is kept. The swap is a directory rename, so a server reloading
/// from DIR sees the old model or the new one, never a mixture; DIR keeps its permissions and owner.
/// </summary>
public static class ModelPromotion
{
    /// <summary>
    /// Refuses, before any training, a <c>--promote-to</c> that OrtAgent could not replace (see
    /// <see cref="DestinationGuard"/>) or whose model's recorded metric cannot be read.
    /// </summary>
    /// <exception cref="UserInputException">DIR may not be replaced, cannot be written, or holds an unreadable model.</exception>
    public static void CheckDestination(string promoteTo)
    {
        DestinationGuard.Check(promoteTo, DirectoryLayout.ExportedModel, $"--promote-to {promoteTo}");
        _ = RecordedMetrics(promoteTo);
    }

    public static PromotionDecision Promote(string newModelDirectory, string promoteTo, ValidationMetric metric, double candidate)
    {
        // Two runs promoting at once would each compare with the same incumbent and the last to swap would win, better
        // or not: one at a time, the second comparing with what the first left. A promotion is a copy, seconds long.
        using var claim = ProcessLock.AcquireWaiting(ProcessLock.FileBeside(promoteTo), PromotionWait,
            $"--promote-to {promoteTo}: another OrtAgent run has been promoting into it for over {PromotionWait.TotalSeconds:0} s; try again when it is done");
        TemporarySiblings.Sweep(promoteTo);
        string name = ValidationMetricNames.Of(metric);
        var recorded = RecordedMetrics(promoteTo);
        double? incumbent = recorded is not null && recorded.TryGetValue(name, out var value) ? value : null;
        // A model that records no such metric is not beaten by one that does: keep it rather than guess.
        if (recorded is not null && incumbent is null)
            return new PromotionDecision(false, promoteTo, name, candidate, null) { IncumbentRecords = recorded.Keys.Order().ToList() };
        bool better = incumbent is not double i || new EarlyStopping(metric, 0).Beats(candidate, i);
        if (!better) return new PromotionDecision(false, promoteTo, name, candidate, incumbent);
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
        }
        finally
        {
            // After a successful swap the staging name is gone; after a failure nothing half-copied may stay behind.
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return new PromotionDecision(true, promoteTo, name, candidate, incumbent);
    }

    private static readonly TimeSpan PromotionWait = TimeSpan.FromMinutes(2);

    /// <summary>The metrics recorded in the metadata of DIR's model, or null when DIR has no model yet.</summary>
    /// <exception cref="UserInputException">DIR has a model.onnx that is not an OrtAgent export.</exception>
    private static IReadOnlyDictionary<string, double>? RecordedMetrics(string directory)
    {
        var path = Path.Combine(directory, ModelContract.ModelFile);
        if (!File.Exists(path)) return null;
        try
        {
            return ModelContract.ReadInfo(directory, OnnxModel.Load(path).Metadata).Metrics;
        }
        catch (Exception ex) when (ex is ModelLoadException or InvalidDataException)
        {
            throw new UserInputException($"--promote-to {directory}: {ex.Message}", ex);
        }
    }
}
