using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrtAgent.Serving;
using Prometheus;

namespace OrtAgent.Tests.Serving;

/// <summary>The micro-batcher on its own, over a fake predictor: coalescing, isolation, cancellation, failures, draining.</summary>
public sealed class PredictionBatcherTests
{
    private static PredictionBatcher Create(FakeBatchPredictor predictor, int maxBatch, int maxWaitMs = 0, int maxQueuedTexts = int.MaxValue,
        ILogger<PredictionBatcher>? logger = null) =>
        new(predictor, maxBatch, TimeSpan.FromMilliseconds(maxWaitMs), new ServingMetrics(new CollectorRegistry()), logger ?? NullLogger<PredictionBatcher>.Instance,
            maxQueuedTexts: maxQueuedTexts);

    [Fact]
    public async Task QueuedRequestsAreCoalescedUpToMaxBatchAndEachGetsItsOwnSlice()
    {
        using var predictor = new FakeBatchPredictor(holdFirstBatch: true);
        var batcher = Create(predictor, maxBatch: 4);
        await batcher.StartAsync(default);
        var first = batcher.PredictAsync(["a"], default);
        predictor.WaitUntilFirstBatchStarted();

        var queued = new[] { "b", "c", "d", "e", "f" }.Select(t => batcher.PredictAsync([t, t + "2"], default)).ToArray();
        Assert.Equal(10, batcher.QueuedTexts);
        predictor.ReleaseFirstBatch();
        var answers = await Task.WhenAll(queued).WaitAsync(TimeSpan.FromSeconds(10));
        await first;
        await batcher.StopAsync(default);

        Assert.Equal(["b", "b2"], answers[0].Select(p => p.Label));
        Assert.Equal(["f", "f2"], answers[4].Select(p => p.Label));
        // Two-text requests fill a four-text batch two at a time; a request is never split.
        Assert.Equal([1, 4, 4, 2], predictor.Batches.Select(b => b.Length));
        Assert.Equal(0, batcher.QueuedTexts);
    }

    /// <summary>
    /// Texts beyond the queue's limit are refused at once, leaving the queue as it was, where they used to wait behind
    /// any number of others; into an empty queue a request of any size goes, so no request is refused forever.
    /// </summary>
    [Fact]
    public async Task AFullQueueRefusesARequestAtOnceAndAnEmptyOneTakesAnySize()
    {
        using var predictor = new FakeBatchPredictor(holdFirstBatch: true);
        var batcher = Create(predictor, maxBatch: 8, maxQueuedTexts: 4);
        await batcher.StartAsync(default);
        var first = batcher.PredictAsync(["a"], default);
        predictor.WaitUntilFirstBatchStarted();
        var queued = new[] { batcher.PredictAsync(["b", "c"], default), batcher.PredictAsync(["d"], default) };

        // Thrown at the call, not through the task: nothing was queued.
        var full = Assert.Throws<PredictionQueueFullException>(() => { _ = batcher.PredictAsync(["e", "f"], default); });
        Assert.Equal("the prediction queue is full: 3 texts are waiting for the model, at most 4 may, and this request brings 2; try again in a second", full.Message);
        Assert.Equal(3, batcher.QueuedTexts);
        var last = batcher.PredictAsync(["g"], default);   // the fourth text still fits
        predictor.ReleaseFirstBatch();
        await Task.WhenAll(queued.Append(first).Append(last)).WaitAsync(TimeSpan.FromSeconds(10));

        var large = await batcher.PredictAsync(["h", "i", "j", "k", "l", "m"], default).WaitAsync(TimeSpan.FromSeconds(10));
        await batcher.StopAsync(default);

        Assert.Equal(["h", "i", "j", "k", "l", "m"], large.Select(p => p.Label));
        Assert.DoesNotContain(predictor.Batches, batch => batch.Contains("e"));
        Assert.Equal(0, batcher.QueuedTexts);
    }

    [Fact]
    public async Task MaxBatchOneRunsEveryRequestAloneEvenAMultiTextOne()
    {
        using var predictor = new FakeBatchPredictor(holdFirstBatch: true);
        var batcher = Create(predictor, maxBatch: 1);
        await batcher.StartAsync(default);
        var first = batcher.PredictAsync(["a"], default);
        predictor.WaitUntilFirstBatchStarted();

        var rest = new[] { batcher.PredictAsync(["b"], default), batcher.PredictAsync(["c", "d", "e"], default), batcher.PredictAsync(["f"], default) };
        predictor.ReleaseFirstBatch();
        await Task.WhenAll(rest.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));
        await batcher.StopAsync(default);

        Assert.Equal(["a", "b", "c d e", "f"], predictor.Batches.Select(b => string.Join(' ', b)));
    }

    [Fact]
    public async Task WaitsUpToMaxWaitForMoreTexts()
    {
        using var predictor = new FakeBatchPredictor();
        // A long wait that a full batch cuts short: "a" alone is held for "b" however slow a loaded host is to send it,
        // and the test does not sit out the wait.
        var batcher = Create(predictor, maxBatch: 2, maxWaitMs: 10_000);
        await batcher.StartAsync(default);

        var first = batcher.PredictAsync(["a"], default);
        await Task.Delay(50);
        var second = batcher.PredictAsync(["b"], default);
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(8));
        await batcher.StopAsync(default);

        Assert.Equal(["a b"], predictor.Batches.Select(b => string.Join(' ', b)));
    }

    [Fact]
    public async Task ACancelledCallerIsSkippedAndDoesNotHoldUpOthers()
    {
        using var predictor = new FakeBatchPredictor(holdFirstBatch: true);
        var batcher = Create(predictor, maxBatch: 8);
        await batcher.StartAsync(default);
        var first = batcher.PredictAsync(["a"], default);
        predictor.WaitUntilFirstBatchStarted();
        using var leaving = new CancellationTokenSource();

        var abandoned = batcher.PredictAsync(["gone"], leaving.Token);
        var staying = batcher.PredictAsync(["kept"], default);
        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        predictor.ReleaseFirstBatch();
        var kept = await staying.WaitAsync(TimeSpan.FromSeconds(10));
        await first;
        await batcher.StopAsync(default);

        Assert.Equal("kept", kept.Single().Label);
        Assert.DoesNotContain(predictor.Batches, b => b.Contains("gone"));
    }

    [Fact]
    public async Task AFailingBatchFailsItsCallersAndTheBatcherCarriesOn()
    {
        using var predictor = new FakeBatchPredictor();
        var batcher = Create(predictor, maxBatch: 1);
        await batcher.StartAsync(default);

        await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.PredictAsync(["boom"], default));
        var after = await batcher.PredictAsync(["fine"], default).WaitAsync(TimeSpan.FromSeconds(10));
        await batcher.StopAsync(default);

        Assert.Equal("fine", after.Single().Label);
    }

    [Fact]
    public async Task StoppingDrainsQueuedWorkThenRefusesNewWork()
    {
        using var predictor = new FakeBatchPredictor(holdFirstBatch: true);
        var batcher = Create(predictor, maxBatch: 2);
        await batcher.StartAsync(default);
        var first = batcher.PredictAsync(["a"], default);
        predictor.WaitUntilFirstBatchStarted();
        var queued = Enumerable.Range(0, 5).Select(i => batcher.PredictAsync([$"q{i}"], default)).ToArray();

        var stopping = batcher.StopAsync(default);
        Assert.False(stopping.IsCompleted);
        Assert.Throws<ChannelClosedException>(() => { _ = batcher.PredictAsync(["late"], default); });
        predictor.ReleaseFirstBatch();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(queued.Append(first), t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(6, predictor.Batches.Sum(b => b.Length));
    }

    [Fact]
    public async Task AStopWhoseTimeRunsOutWhileABatchRunsReturnsAndSaysWhatWasLeft()
    {
        // The host's shutdown timeout fired while a batch still ran: StopAsync threw, the host rethrew it, and serve
        // exited 130 saying only "cancelled" after a SIGTERM, with nothing logged about the requests cut off.
        using var predictor = new FakeBatchPredictor(holdFirstBatch: true);
        var log = new RecordingLoggerProvider();
        var batcher = Create(predictor, maxBatch: 1, logger: new Logger<PredictionBatcher>(new LoggerFactory([log])));
        await batcher.StartAsync(default);
        var running = batcher.PredictAsync(["running"], default);
        predictor.WaitUntilFirstBatchStarted();
        var queued = new[] { batcher.PredictAsync(["queued"], default), batcher.PredictAsync(["queued too"], default) };

        using var timedOut = new CancellationTokenSource();
        timedOut.Cancel();
        await batcher.StopAsync(timedOut.Token).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(log.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("2 texts queued are refused", StringComparison.Ordinal)
            && line.Contains("a batch was still running", StringComparison.Ordinal));
        predictor.ReleaseFirstBatch();
        // The running batch is answered; the queued texts are refused, not run on a model the host goes on to dispose
        // (they were, each batch failing with a stack trace in the log).
        Assert.Equal("running", (await running.WaitAsync(TimeSpan.FromSeconds(10)))[0].Label);
        foreach (var refused in queued)
            await Assert.ThrowsAsync<ChannelClosedException>(() => refused.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(predictor.Batches);
    }

    /// <summary>
    /// The host's one stop token may run out on other work (a slow /explain) while this batcher is idle: it said a
    /// batch was still running on every such stop (50 of 50 in a reader's probe).
    /// </summary>
    [Fact]
    public async Task AnIdleBatcherStoppedPastTheTimeoutSaysNothing()
    {
        using var predictor = new FakeBatchPredictor();
        var log = new RecordingLoggerProvider();
        var batcher = Create(predictor, maxBatch: 1, logger: new Logger<PredictionBatcher>(new LoggerFactory([log])));
        await batcher.StartAsync(default);
        await batcher.PredictAsync(["answered"], default).WaitAsync(TimeSpan.FromSeconds(10));

        using var timedOut = new CancellationTokenSource();
        timedOut.Cancel();
        await batcher.StopAsync(timedOut.Token).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.DoesNotContain(log.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal));
    }
}
