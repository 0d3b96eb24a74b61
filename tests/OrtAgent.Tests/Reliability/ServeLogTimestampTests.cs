using System.Text.RegularExpressions;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// <c>serve</c>'s log lines carried no time, so an operator reading a log file could not tell when a reload or an error
/// happened. They start with the UTC time in ISO 8601 now, and <c>--no-log-timestamps</c> leaves it to journald.
/// Run as a child process: the lines are what the server's console logger writes.
/// </summary>
public sealed partial class ServeLogTimestampTests : IDisposable
{
    private const int Interrupt = 2;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARequestsLogLineStartsWithItsUtcTimeUnlessTurnedOff(bool timestamps)
    {
        var model = _work.Combine("model");
        ToyClassifierModel.Write(model, ToyClassifierModel.Sentiment);
        string[] args = ["serve", "--model", model, "--threads", "1", "--urls", "http://127.0.0.1:0", .. timestamps ? Array.Empty<string>() : ["--no-log-timestamps"]];
        using var process = new OrtAgentProcess { HangUpIgnored = false, InterruptDefault = true, ErrorIntoOutput = true }.Start(args);
        using var limit = new CancellationTokenSource(Bound);
        using var http = new HttpClient();
        string? requestLine = null;
        try
        {
            while (await process.StandardOutput.ReadLineAsync(limit.Token) is string line)
            {
                if (Listening().Match(line) is { Success: true } listening)
                    (await http.GetAsync(listening.Groups[1].Value + "/health", limit.Token)).Dispose();
                else if (line.Contains("GET /health 200", StringComparison.Ordinal))
                {
                    requestLine = line;
                    IsolatedChildProcess.Signal(process, Interrupt);
                }
            }
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("serve did not log its request and stop in time");
        }

        Assert.NotNull(requestLine);
        var stamp = Stamp().Match(requestLine);
        Assert.Equal(timestamps, stamp.Success);
        if (timestamps)
            Assert.InRange(DateTime.Parse(stamp.Groups[1].Value, null, System.Globalization.DateTimeStyles.RoundtripKind), DateTime.UtcNow.AddMinutes(-3), DateTime.UtcNow);
        else
            Assert.StartsWith("info: ", requestLine);
    }

    [GeneratedRegex(@" on (http://127\.0\.0\.1:\d+) ")]
    private static partial Regex Listening();

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) info: ")]
    private static partial Regex Stamp();
}
