using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.FineTuningService;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// A client cancelling <c>start_fine_tuning</c> while the server reads its examples, through MCP: the read stops, no
/// job and no file is recorded, and the server answers the next call. Over stdio the client cancels with
/// <c>notifications/cancelled</c> while the server copies a path into the store; over <c>/mcp</c> the SDK's client
/// aborts the call's POST while the service checks the rows of the examples given inline.
/// </summary>
public sealed class McpStartFineTuningCancellationTests : IDisposable
{
    private const int HangUpRow = 50;

    private readonly TinyTrainingFixture _tiny = new();

    /// <summary>
    /// The training file is a named pipe the test writes, so the server is surely reading it when the call is
    /// cancelled, and that it stopped is seen without timing: a write into the pipe fails once the server has closed it.
    /// The copy into the store was not cancellable: it read on as long as the pipe gave rows (a large file, to its end).
    /// </summary>
    [UnixFact("the training file is a named pipe")]
    public async Task OverStdioACancelledCallStopsCopyingItsFileAndRecordsNothing()
    {
        string store = Path.Combine(_tiny.Root, "stdio-store"), pipePath = Path.Combine(_tiny.Root, "examples.jsonl");
        Assert.Equal(0, mkfifo(pipePath, 0b110_000_000));
        byte[] rows = File.ReadAllBytes(_tiny.WriteChatJsonl("rows.jsonl", 2000, seed: 5));
        var stderr = new List<string>();
        await using var client = await OrtAgentMcpProcess.ConnectAsync(["--fine-tuning", "--store", store, "--base-model", $"tiny={_tiny.BaseModel}"], stderr: stderr);
        using var cancel = new CancellationTokenSource();
        var call = client.CallToolAsync("start_fine_tuning", new Dictionary<string, object?> { ["training_file"] = pipePath, ["model"] = "tiny" },
            cancellationToken: cancel.Token).AsTask();

        // Opening the pipe for writing waits for the server to open it for reading; a write larger than the pipe holds
        // (64 KiB) returns once the server has read most of it.
        await using var pipe = await Task.Run(() => new FileStream(pipePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0))
            .WaitAsync(TimeSpan.FromSeconds(90));
        pipe.Write(rows);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // The cancel reaches the copy's token on a thread of the server's own, and the copy, waiting for the pipe, looks
        // at it when its read returns: each round answers a later call (the server keeps serving, and its threads move
        // on) and then gives the copy a few rows, until a write finds the pipe closed. Bounded by rounds, not time.
        var chunk = rows.AsMemory(0, 4096);
        bool closed = false;
        int rounds = 0;
        for (; rounds < 200 && !closed; rounds++)
        {
            using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                var listed = await client.CallToolAsync("list_fine_tuning_jobs", cancellationToken: patience.Token);
                Assert.Empty(System.Text.Json.JsonSerializer.SerializeToElement(listed.StructuredContent).GetProperty("jobs").EnumerateArray());
            }
            closed = await Task.Run(() =>
            {
                try
                {
                    pipe.Write(chunk.Span);
                    return false;
                }
                catch (IOException)
                {
                    return true;   // EPIPE: the server closed its end
                }
            }).WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.True(closed, $"the server read on after the call was cancelled: {rounds} rounds of {chunk.Length} bytes more");

        // The next call is answered, and nothing was recorded: no job, no file, no temporary file.
        Assert.Empty((await client.CallAsync("list_fine_tuning_jobs", [])).GetProperty("jobs").EnumerateArray());
        Assert.Empty(Directory.GetFiles(Path.Combine(store, "files")));
        Assert.Single(await Eventually.ReturnsAsync(
            () => Task.FromResult(Lines(stderr).Where(l => l.Contains("start_fine_tuning was cancelled before it finished")).ToArray()),
            lines => lines.Length > 0, TimeSpan.FromSeconds(30)));
    }

    /// <summary>
    /// In a session (2025-11-25) and without one (2026-07-28): the service's row reader is watched
    /// (<see cref="ObservedTrainingFileRows"/>), the client cancels at a chosen row, and the read stops at the next.
    /// </summary>
    [Theory]
    [InlineData("2025-11-25")]
    [InlineData(null)]
    public async Task OverHttpACancelledCallStopsReadingItsExamplesAndRecordsNothing(string? protocolVersion)
    {
        var reader = new ObservedTrainingFileRows();
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, $"http-store-{protocolVersion ?? "newest"}"), _tiny.BaseModel, rowReader: reader);
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion);
        string examples = File.ReadAllText(_tiny.WriteChatJsonl("inline.jsonl", 400, seed: 4));
        var rows = new ConcurrentQueue<long>();
        var serverSawCancel = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var readEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        reader.ReadEnded = () => readEnded.TrySetResult();
        reader.RowRead = (line, callToken) =>
        {
            rows.Enqueue(line);
            if (line != HangUpRow) return;
            cancel.Cancel();
            // Bounded: the server learns of the aborted POST within moments; the read goes on only once it has.
            serverSawCancel.SetResult(callToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)));
        };

        var call = client.CallToolAsync("start_fine_tuning", new Dictionary<string, object?> { ["training_data"] = examples, ["model"] = "tiny" },
            cancellationToken: cancel.Token).AsTask();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(await serverSawCancel.Task.WaitAsync(TimeSpan.FromSeconds(60)), "the call's token was not cancelled when its client cancelled it");
        await readEnded.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HangUpRow, rows.Max());

        reader.RowRead = null;
        Assert.Empty((await client.CallAsync("list_fine_tuning_jobs", [])).GetProperty("jobs").EnumerateArray());
        // The file the call stored for its inline examples goes once the tool has seen the cancellation, which the read's end precedes.
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        Assert.Equal(0, await Eventually.ReturnsAsync(() => Task.FromResult(store.ListFiles(null, null, 100, false).Items.Count), count => count == 0, TimeSpan.FromSeconds(30)));
        Assert.Empty(Directory.GetFiles(store.FilesDirectory));
    }

    public void Dispose() => _tiny.Dispose();

    private static string[] Lines(List<string> stderr)
    {
        lock (stderr) return [.. stderr];
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);
}
