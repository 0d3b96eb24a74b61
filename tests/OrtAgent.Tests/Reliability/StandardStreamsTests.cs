using System.Net;
using System.Net.Sockets;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// ortagent started by scripts with a standard stream closed (<c>2&gt;&amp;-</c>, <c>&gt;&amp;-</c>, <c>&lt;&amp;-</c>), on
/// a full one (<c>2&gt;/dev/full</c>). Run as child processes: only a shell closes a process's streams before it
/// starts, and the runtime then gives their numbers to descriptors of its own.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StandardStreamsTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _work = new();
    private readonly string _model;
    private readonly string _data;

    public StandardStreamsTests()
    {
        _model = _work.Combine("model");
        ToyClassifierModel.Write(_model, ToyClassifierModel.Sentiment);
        _data = _work.Combine("data.csv");
        File.WriteAllText(_data, "text,label\n" + string.Concat(ToyClassifierModel.SentimentSentences().Take(12).Select(s => $"{s.Text},{s.Label}\n")));
    }

    public void Dispose() => _work.Dispose();

    private static OrtAgentProcess Redirected(string redirections) => new() { Shell = $"exec \"$@\" {redirections}" };

    /// <summary>Any write to a closed stderr aborted the process (exit 134): eval's JSON and predict's file were lost.</summary>
    [LinuxFact("closing a descriptor before exec is a shell's doing, tested with sh")]
    public async Task AClosedStandardErrorLeavesTheResultsAndTheExitCode()
    {
        var eval = await Redirected("2>&-").RunAsync(["eval", "-m", _model, "--data", _data, "--json"], Bound);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.StartsWith("{", eval.Output);

        var predictions = _work.Combine("predictions.csv");
        var predict = await Redirected("2>&-").RunAsync(["predict", "-m", _model, "--input", _data, "--output", predictions], Bound);
        Assert.True(predict.ExitCode == 0, predict.ToString());
        Assert.True(File.Exists(predictions));
    }

    /// <summary>A progress line that stderr, on a full disk, could not take was said as a full disk: exit 1 and no JSON.</summary>
    [LinuxFact("/dev/full, which answers every write with ENOSPC, is Linux's")]
    public async Task AFullStandardErrorLeavesTheResultsAndTheExitCode()
    {
        var eval = await Redirected("2>/dev/full").RunAsync(["eval", "-m", _model, "--data", _data, "--json"], Bound);

        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.StartsWith("{", eval.Output);
    }

    /// <summary>A closed stdout was <c>internal error: UnauthorizedAccessException: Access to the path is denied.</c></summary>
    [LinuxFact("closing a descriptor before exec is a shell's doing, tested with sh")]
    public async Task AClosedStandardOutputIsSaidInOneLine()
    {
        var predict = await Redirected(">&-").RunAsync(["predict", "-m", _model, "--json", "good movie"], Bound);

        Assert.Equal(1, predict.ExitCode);
        Assert.Equal("error: standard output is closed; run the command with it open (a file, a pipe, or /dev/null to discard the results)"
            + Environment.NewLine, predict.Error);
    }

    /// <summary>serve's stdout carries only its log: with it closed the server runs without one, and says so once on stderr.</summary>
    [LinuxFact("closing a descriptor before exec is a shell's doing, tested with sh")]
    public async Task ServeWithAClosedStandardOutputRunsWithoutItsLog()
    {
        int port;
        using (var free = new TcpListener(IPAddress.Loopback, 0))
        {
            free.Start();
            port = ((IPEndPoint)free.LocalEndpoint).Port;
        }
        using var serve = Redirected(">&-").Start(["serve", "-m", _model, "--threads", "1", "--urls", $"http://127.0.0.1:{port}"]);
        var stderr = serve.StandardError.ReadToEndAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + Bound;
        HttpStatusCode? health = null;
        try
        {
            while (health is null && !serve.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
                    health = response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }
        }
        finally
        {
            if (!serve.HasExited) IsolatedChildProcess.Terminate(serve);
            using var limit = new CancellationTokenSource(Bound);
            await serve.WaitForExitAsync(limit.Token);
        }

        string error = await stderr;
        Assert.True(health == HttpStatusCode.OK, error);
        Assert.Equal(0, serve.ExitCode);
        Assert.Equal(1, error.Split('\n').Count(line => line.Contains("standard output is closed", StringComparison.Ordinal)));
        Assert.DoesNotContain("internal error", error);
    }

    /// <summary>
    /// <c>mcp &lt;&amp;-</c> waited for ever: the runtime's own pipe had taken descriptor 0, and nothing ever wrote to it.
    /// It ends now as at the end of its input (<c>&lt;/dev/null</c>).
    /// </summary>
    [LinuxFact("closing a descriptor before exec is a shell's doing, tested with sh")]
    public async Task McpWithStandardInputClosedEndsAsAtTheEndOfItsInput()
    {
        var mcp = await Redirected("<&-").RunAsync(["mcp", "-m", _model], TimeSpan.FromSeconds(60));

        Assert.True(mcp.ExitCode == 0, mcp.ToString());
    }
}
