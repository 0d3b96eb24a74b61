namespace OrtAgent.LoadTest;

/// <summary>What one concurrency level measured: completed requests, errors and latency percentiles.</summary>
internal sealed record LoadLevelResult(int Clients, TimeSpan Duration, int Succeeded, int Failed, double P50Ms, double P99Ms)
{
    public double RequestsPerSecond => Succeeded / Duration.TotalSeconds;

    public static LoadLevelResult From(int clients, TimeSpan duration, List<double> latenciesMs, int failed)
    {
        latenciesMs.Sort();
        return new LoadLevelResult(clients, duration, latenciesMs.Count, failed, Percentile(latenciesMs, 0.50), Percentile(latenciesMs, 0.99));
    }

    /// <summary>Nearest-rank percentile of sorted values; NaN when nothing succeeded.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
