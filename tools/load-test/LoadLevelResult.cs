using OrtAgent.Bench;

namespace OrtAgent.LoadTest;

/// <summary>What one concurrency level measured: completed requests, errors and latency percentiles.</summary>
internal sealed record LoadLevelResult(int Clients, TimeSpan Duration, int Succeeded, int Failed, double P50Ms, double P99Ms)
{
    public double RequestsPerSecond => Succeeded / Duration.TotalSeconds;

    /// <summary>The level's figures; the percentiles are nearest-rank (<see cref="Samples.Percentile"/>), NaN when nothing succeeded.</summary>
    public static LoadLevelResult From(int clients, TimeSpan duration, List<double> latenciesMs, int failed) =>
        new(clients, duration, latenciesMs.Count, failed, Samples.Percentile(latenciesMs, 50), Samples.Percentile(latenciesMs, 99));
}
