namespace OrtAgent.FineTuning;

/// <summary>
/// Whether <c>--promote-to</c> replaced the model there, and the figures it compared: both models' <see cref="Metric"/>
/// on the same <see cref="Examples"/> validation examples of the new run (<see cref="Incumbent"/> null when there was no model).
/// </summary>
public sealed record PromotionDecision(bool Promoted, string Directory, string Metric, double Candidate, double? Incumbent, int Examples)
{
    public string Describe()
    {
        string examples = Examples == 1 ? "1 validation example" : $"{Examples} validation examples";
        string basis = $"both scored on this run's {examples}";
        if (Incumbent is not double incumbent)
            return $"promoted to {Directory}: it had no model ({Metric} {Candidate:F4} on this run's {examples})";
        return Promoted
            ? $"promoted to {Directory}: {Metric} {Candidate:F4} beats its model's {incumbent:F4}, {basis}"
            : $"not promoted to {Directory}: {Metric} {Candidate:F4} does not beat its model's {incumbent:F4}, {basis}";
    }
}
