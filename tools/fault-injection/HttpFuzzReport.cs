namespace OrtAgent.FaultInjection;

/// <summary>What a <see cref="HttpFuzzer"/> run sent and what broke the promises.</summary>
/// <param name="Requests">Requests sent and answered.</param>
/// <param name="StatusCounts">How many answers had each status code.</param>
/// <param name="Failures">The first broken promises (request and answer), one line each.</param>
/// <param name="FailureCount">Every broken promise, listed or not.</param>
public sealed record HttpFuzzReport(int Requests, IReadOnlyDictionary<int, int> StatusCounts, IReadOnlyList<string> Failures, int FailureCount)
{
    /// <summary>Requests Kestrel refused as malformed HTTP before any application code ran (an empty 400, connection closed).</summary>
    public int ProtocolRefusals { get; init; }
}
