namespace OrtAgent.FineTuning;

/// <summary>Whether <c>--promote-to</c> replaced the model there, and the figures it compared.</summary>
public sealed record PromotionDecision(bool Promoted, string Directory, string Metric, double Candidate, double? Incumbent)
{
    /// <summary>When the incumbent was kept for recording no <see cref="Metric"/>: the metrics it does record.</summary>
    public IReadOnlyList<string>? IncumbentRecords { get; init; }

    public string Describe() => Promoted
        ? $"promoted to {Directory}: {Metric} {Candidate:F4} beats {(Incumbent is double i ? i.ToString("F4") : "no model")}"
        : IncumbentRecords is { } records
            ? $"not promoted to {Directory}: its model records no {Metric} to compare {Candidate:F4} with " +
              $"({(records.Count == 0 ? "it records no metrics" : "it records " + string.Join(", ", records))}); to replace it anyway, remove it first"
            : $"not promoted to {Directory}: {Metric} {Candidate:F4} does not beat {Incumbent:F4}";
}
