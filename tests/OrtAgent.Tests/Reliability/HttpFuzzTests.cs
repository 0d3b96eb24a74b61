using OrtAgent.FaultInjection;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// Seeded random and mutated requests against a real server on loopback (with an API key, so refusals are exercised
/// too): never a 5xx, a JSON error body on every 4xx, and /health answers afterwards. Bounded in count and time;
/// <c>tools/fault-injection --fuzz N</c> sends many more against the CLI's own <c>serve</c>.
/// </summary>
public sealed class HttpFuzzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task MutatedRequestsNeverGet5xxAndEvery4xxHasAJsonErrorBody(int seed)
    {
        const string key = "fuzz-key";
        await using var server = await ServerUnderTest.StartAsync(dir => ServerUnderTest.Options(dir, apiKeys: [key], maxBodyBytes: 64 * 1024));

        var report = await new HttpFuzzer(server.Client, key, seed).RunAsync(maxRequests: 800, maxTime: TimeSpan.FromSeconds(20));

        Assert.True(report.FailureCount == 0, string.Join("\n", report.Failures));
        Assert.True(report.Requests >= 100, $"only {report.Requests} requests in the time allowed");
        Assert.Contains(200, report.StatusCounts.Keys);
        Assert.Contains(400, report.StatusCounts.Keys);
        Assert.Contains(401, report.StatusCounts.Keys);
    }
}
