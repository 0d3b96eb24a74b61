using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using OrtAgent.Mcp;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;
using Prometheus;

namespace OrtAgent.Tests.Mcp;

/// <summary>serve's MCP tools share /predict's batcher, and so its queue's bound.</summary>
public sealed class ServedToolModelBusyTests : IDisposable
{
    private readonly TempDirectory _directory = new("busy-tools");

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// A classify_text call whose texts find the queue full is a tool error saying the server is busy and why, as a
    /// stopping server's is; the batcher's own exception would have reached the client as "an error occurred".
    /// </summary>
    [Fact]
    public async Task AFullPredictionQueueIsAToolErrorSayingTheServerIsBusy()
    {
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);
        using var slot = ClassifierSlot.Load(_directory.Path, new TextClassifierOptions());
        using var predictor = new FakeBatchPredictor(holdFirstBatch: true);
        var batcher = new PredictionBatcher(predictor, 1, TimeSpan.Zero, new ServingMetrics(new CollectorRegistry()), NullLogger<PredictionBatcher>.Instance,
            maxQueuedTexts: 1);
        await batcher.StartAsync(default);
        var model = new ServedToolModel("toy", slot, batcher);
        var running = model.PredictAsync(["running"], default);
        predictor.WaitUntilFirstBatchStarted();
        var queued = model.PredictAsync(["queued"], default);

        var refused = await Assert.ThrowsAsync<McpException>(() => model.PredictAsync(["refused"], default));

        Assert.Equal("the server is busy: the prediction queue is full: 1 text is waiting for the model, at most 1 may, and this request brings 1; try again in a second",
            refused.Message);
        predictor.ReleaseFirstBatch();
        await Task.WhenAll(running, queued).WaitAsync(TimeSpan.FromSeconds(10));
        await batcher.StopAsync(default);
    }
}
