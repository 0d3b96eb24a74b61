namespace OrtAgent.FineTuning;

/// <summary>Whether <c>--promote-to</c> replaced the model there, and the figures it compared.</summary>
public sealed record PromotionDecision(bool Promoted, string Directory, string Metric, double Candidate, double? Incumbent)
{
    public string Describe() => Promoted
        ? $"promoted to {Directory}: {Metric} {Candidate:F4} beats {(Incumbent is double i ? i.ToString("F4") : "no recorded value")}"
        : $"not promoted to {Directory}: {Metric} {Candidate:F4} does not beat {Incumbent:F4}";
}
