using System.Net;
using System.Net.Sockets;
using System.Text;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Reliability;

/// <summary>
/// ortagent started by scripts with a standard stream closed (<c>2&gt;&amp;-</c>, <c>&gt;&amp;-</c>, <c>&lt;&amp;-</c>), on
/// a full one (<c>2&gt;/dev/full</c>), or under a locale that is not UTF-8. Run as child processes: only a shell
/// closes a process's streams before it starts, and the runtime then gives their numbers to descriptors of its own.
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

    /// <summary>
    /// A command that writes files with stdout closed did all its work, replacing the file there, and then exited 1 on
    /// its first line to stdout; it is refused before it reads or writes anything. mcp, whose stdout is its protocol,
    /// answered nothing and hung after its input ended.
    /// </summary>
    [LinuxFact("closing a descriptor before exec is a shell's doing, tested with sh")]
    public async Task AClosedStandardOutputStopsACommandBeforeItWritesAnything()
    {
        var errors = _work.Combine("errors.csv");
        File.WriteAllText(errors, "kept\n");
        var eval = await Redirected(">&-").RunAsync(["eval", "-m", _model, "--data", _data, "--errors", errors], Bound);
        Assert.Equal(1, eval.ExitCode);
        Assert.StartsWith("error: standard output is closed;", eval.Error);
        Assert.Equal("kept\n", File.ReadAllText(errors));

        var mcp = await Redirected("</dev/null >&-").RunAsync(["mcp", "--model", _model], Bound);
        Assert.Equal(1, mcp.ExitCode);
        Assert.StartsWith("error: standard output is closed;", mcp.Error);
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
    /// JSON is UTF-8 (RFC 8259), and so is every other output, stderr's lines too: under a Latin-1 locale 'é' came out
    /// as the byte 0xE9 and '日本' as '??'.
    /// </summary>
    [LinuxFact("the locale variables are read from the environment on Unix")]
    public async Task OutputIsUtf8WhateverTheLocale()
    {
        var latin1 = new OrtAgentProcess { Environment = { ["LANG"] = null, ["LANGUAGE"] = null, ["LC_ALL"] = "en_US.ISO-8859-1" } };
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

        var json = await RunForBytesAsync(latin1, ["predict", "-m", _model, "--json", "café 日本"]);
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"café 日本\"", utf8.GetString(json.Output));

        var missing = _work.Combine("café 日本");
        var refusal = await RunForBytesAsync(latin1, ["predict", "-m", missing, "good"]);
        Assert.Equal(2, refusal.ExitCode);
        Assert.Contains(missing, utf8.GetString(refusal.Error));
    }

    private static async Task<(int ExitCode, byte[] Output, byte[] Error)> RunForBytesAsync(OrtAgentProcess child, string[] args)
    {
        using var process = child.Start(args);
        using var output = new MemoryStream();
        using var error = new MemoryStream();
        using var limit = new CancellationTokenSource(Bound);
        await Task.WhenAll(process.StandardOutput.BaseStream.CopyToAsync(output, limit.Token), process.StandardError.BaseStream.CopyToAsync(error, limit.Token));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, output.ToArray(), error.ToArray());
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
