namespace OrtAgent.FaultInjection;

/// <summary>What one <see cref="CrashScenario"/> did.</summary>
/// <param name="Scenario">The crash tried.</param>
/// <param name="Crashed">The process died at the point; false when the run ended before arriving there that often.</param>
/// <param name="Failures">Broken promises, one line each; empty when every check held.</param>
public sealed record CrashOutcome(CrashScenario Scenario, bool Crashed, IReadOnlyList<string> Failures)
{
    /// <summary>Files whose content was lost: a user's or the previous model's bytes that no run gave back.</summary>
    public int DataLost { get; init; }

    /// <summary>
    /// The crash left a directory set aside between the two renames of a swap (<c>checkpoint.old</c>, <c>NAME.replaced-PID</c>):
    /// how a test tells that the killed process swapped by renames and not by Linux's exchange.
    /// </summary>
    public bool LeftASetAsideCopy { get; init; }
}
