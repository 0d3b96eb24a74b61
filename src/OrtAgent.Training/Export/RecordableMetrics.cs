using System.Globalization;

namespace OrtAgent.Training.Export;

/// <summary>
/// The validation metrics an exported model can record. Its metadata is JSON, which has no NaN or infinity, and the
/// library refuses such a metric (<see cref="ExportOptions.Validate"/>); but a metric can be one after
/// a whole run (the validation loss when every validation example is of a class weighted 0, whose weighted mean is
/// 0/0; a training loss that is not finite stops the run instead, as a TrainingDivergedException). The model is still exported: without that metric, with a warning naming it, by the command line's train, distill and
/// export as by <see cref="TextClassifiers.TextClassifierTrainer"/>.
/// </summary>
internal static class RecordableMetrics
{
    /// <summary>The finite metrics of <paramref name="metrics"/>; <paramref name="warn"/> is told of each other one, in name order.</summary>
    public static Dictionary<string, double> Keep(IReadOnlyDictionary<string, double> metrics, Action<string> warn)
    {
        foreach (var (name, value) in metrics.Where(m => !double.IsFinite(m.Value)).OrderBy(m => m.Key, StringComparer.Ordinal))
            warn(string.Create(CultureInfo.InvariantCulture,
                $"warning: the validation metric '{name}' is {value}, which the model's metadata cannot record; the model is exported without it"));
        return metrics.Where(m => double.IsFinite(m.Value)).ToDictionary();
    }
}
