using System.Diagnostics;

namespace OrtAgent.FineTuningBench;

/// <summary>
/// The <c>ortagent serve --fine-tuning</c> child the API side runs against. Its output is read line by line as it
/// comes (a full pipe would block its console logger, and with it the server) and only the last few lines are kept,
/// so that a server that dies can be reported by its exit code and the end of its log. Disposing it kills it and its
/// children.
/// </summary>
internal sealed class ServerChild : IAsyncDisposable
{
    // Enough to show the error a dying server logged (a console-logger entry is two lines), short enough for one line.
    private const int KeptLines = 6;

    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerChild(Process process) => _process = process;

    /// <summary>Starts <paramref name="start"/> (which must redirect both output streams) and begins reading its output.</summary>
    public static ServerChild Start(ProcessStartInfo start)
    {
        var server = new ServerChild(new Process { StartInfo = start });
        server._process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        return server;
    }

    /// <summary>The address <c>serve</c> printed once it listened.</summary>
    /// <exception cref="ComparisonFailedException">It exited first, or printed none within <paramref name="timeout"/>.</exception>
    public async Task<Uri> AddressAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var first = await Task.WhenAny(_address.Task, _process.WaitForExitAsync(wait.Token), Task.Delay(timeout, wait.Token));
        await wait.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (first == _address.Task) return await _address.Task;
        if (_process.HasExited) throw Exited("before it listened");
        throw new ComparisonFailedException($"the server printed no address within {timeout.TotalSeconds:F0} s of its start");
    }

    /// <summary>
    /// What a failed request to the server means: that the server exited (its exit code and last log lines), when it
    /// has or does within a few seconds (a refused connection can come just before the process is reaped); else the
    /// request's own failure.
    /// </summary>
    public async Task<ComparisonFailedException> RequestFailureAsync(Exception request)
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            return new ComparisonFailedException($"a request to the server failed while it kept running: {request.Message}");
        }
        return Exited("while the tool polled it");
    }

    /// <summary>User + system seconds of the server so far.</summary>
    /// <exception cref="ComparisonFailedException">The server has exited.</exception>
    public double CpuSeconds()
    {
        if (_process.HasExited) throw Exited("before the API job");
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        _process.Dispose();
    }

    // `serve` prints "serving ... on http://127.0.0.1:PORT (...)" once it listens.
    private void Keep(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        lock (_lastLines)
        {
            if (_lastLines.Count == KeptLines) _lastLines.Dequeue();
            _lastLines.Enqueue(line.Trim());
        }
        int at = line.IndexOf("http://", StringComparison.Ordinal);
        if (line.StartsWith("serving", StringComparison.Ordinal) && at >= 0) _address.TrySetResult(new Uri(line[at..].Split(' ', ',')[0]));
    }

    private ComparisonFailedException Exited(string when)
    {
        // Past its exit, the wait is for the rest of its output: the kept lines are then the last it wrote.
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        string[] lines;
        lock (_lastLines) lines = [.. _lastLines];
        return new ComparisonFailedException($"the server exited with code {_process.ExitCode} {when}; "
            + (lines.Length == 0 ? "it logged nothing" : $"the last lines of its log: {string.Join(" | ", lines)}"));
    }
}
