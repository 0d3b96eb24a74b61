using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.FineTuningService;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// A client cancelling <c>start_fine_tuning</c> while the server reads its examples, through MCP: the read stops, no
/// job and no file is recorded, and the server answers the next call. Over <c>/mcp</c> the SDK's client aborts the
/// call's POST while the service checks the rows of the examples given inline. (Over stdio a named pipe given as the
/// path was how a read was held open for the cancel; such a path is now refused before it is opened, see
/// <see cref="McpTrainingFilePathTests"/>.)
/// </summary>
public sealed class McpStartFineTuningCancellationTests : IDisposable
{
    private const int HangUpRow = 50;

    private readonly TinyTrainingFixture _tiny = new();

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
}
