using System.Globalization;
using OrtAgent.FineTuning;

namespace OrtAgent.Commands;

/// <summary>The rows of the table <c>train</c> prints when it is done, as plain text (the command renders them).</summary>
internal static class TrainSummary
{
    /// <summary>The summary's rows, name then value, in order.</summary>
    public static IReadOnlyList<(string Name, string Value)> Rows(TrainJobResult result)
    {
        string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
        var rows = new List<(string, string)>();
        if (result.BestReport is { } r)
        {
            rows.Add(("validation accuracy", F(r.Accuracy)));
            rows.Add(("validation macro-F1", F(r.MacroF1)));
            if (r.Loss is double loss) rows.Add(("validation loss", F(loss)));
        }
        rows.Add(("steps", result.Steps.ToString(CultureInfo.InvariantCulture) + (result.StoppedEarly ? " (stopped early)" : "")));
        string time = result.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        // A resumed run's earlier steps took time this call did not see, and that time is recorded nowhere (as distill says).
        rows.Add(("time", result.Resumed ? $"{time} (this call only: the run was resumed)" : time));
        rows.Add(("model", result.OutputDirectory));
        rows.Add(("artifacts", result.ArtifactsDirectory));
        return rows;
    }
}
