using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrtAgent.Runtime;
using Prometheus;

namespace OrtAgent.Serving;

/// <summary>
/// Coalesces concurrent requests into model batches. Callers queue their texts and await their own predictions; one
/// dedicated thread takes the first waiting request, gathers more until the batch holds <c>maxBatch</c> texts or
/// <c>maxWait</c> has passed since that first request was queued, runs them in one <see cref="IBatchPredictor.PredictBatch"/>
/// call and hands each caller its slice. A request is never split across batches, so with <c>maxBatch</c> 1 every
/// request runs alone.
/// </summary>
/// <remarks>
/// Once the server's stop begins (<see cref="StoppingGate.StoppingToken"/>), a batch no longer waits for more texts: the
/// gate waits for the requests in flight, and one waiting out a long <c>--max-wait-ms</c> held the stop until the
/// shutdown timeout, when Kestrel reset its connection. Stopping completes the queue and waits for every queued request
/// to be answered, until the shutdown timeout; what is queued then is refused. The host stops this service after Kestrel
/// has drained the requests in flight. At most <c>maxQueuedTexts</c> texts wait: beyond, a request is refused at once
/// (<see cref="PredictionQueueFullException"/>).
/// </remarks>
internal sealed class PredictionBatcher : IHostedService
{
    private readonly IBatchPredictor _predictor;
    private readonly ServingMetrics _metrics;
    private readonly IHistogram _batchSizes;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly int _maxQueuedTexts;
    private readonly long _maxWaitTicks;
    private readonly CancellationToken _stopBegan;
    private readonly Channel<BatchRequest> _queue = Channel.CreateUnbounded<BatchRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _thread;
    private int _queuedTexts;
    private volatile bool _batchRunning;
    private volatile bool _abandoned;

    /// <param name="predictor">What runs each batch.</param>
    /// <param name="maxBatch">The most texts a batch holds; a request with more runs alone.</param>
    /// <param name="maxWait">How long a batch waits, from its first request, for more texts.</param>
    /// <param name="metrics">The server's metrics, which count batch sizes and the texts waiting.</param>
    /// <param name="logger">Where a failed batch is logged.</param>
    /// <param name="model">The model this batcher runs, which names its batch-size series where the server counts batches by model (<see cref="ServingMetrics.BatchSizeOf"/>).</param>
    /// <param name="stopBegan">Cancelled when the server's stop begins: from then on a batch runs with the texts queued, waiting for no more.</param>
    /// <param name="maxQueuedTexts">The most texts that may wait; a request that would take the queue past it is refused, unless the queue is empty.</param>
    public PredictionBatcher(IBatchPredictor predictor, int maxBatch, TimeSpan maxWait, ServingMetrics metrics, ILogger<PredictionBatcher> logger,
        string? model = null, CancellationToken stopBegan = default, int maxQueuedTexts = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueuedTexts, 1);
        _predictor = predictor;
        _maxBatch = maxBatch;
        _maxQueuedTexts = maxQueuedTexts;
        _maxWaitTicks = (long)(maxWait.TotalSeconds * Stopwatch.Frequency);
        _metrics = metrics;
        _batchSizes = metrics.BatchSizeOf(model);
        _logger = logger;
        _stopBegan = stopBegan;
    }

    /// <summary>Texts queued and not yet taken into a batch.</summary>
    public int QueuedTexts => Volatile.Read(ref _queuedTexts);

    /// <summary>Queues <paramref name="texts"/> and returns their predictions, in order, once their batch has run.</summary>
    /// <exception cref="ChannelClosedException">The batcher is stopping and takes no new work.</exception>
    /// <exception cref="PredictionQueueFullException">The texts would take the queue past its limit; nothing was queued.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first; the texts are skipped if not yet run.</exception>
    public Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        // Reserved before the check, so two requests arriving together cannot both take the last room; and before the
        // request is made, so a refused one leaves no registration on the caller's token.
        int waiting = Interlocked.Add(ref _queuedTexts, texts.Count);
        if (waiting > _maxQueuedTexts && waiting > texts.Count)
        {
            Interlocked.Add(ref _queuedTexts, -texts.Count);
            throw new PredictionQueueFullException(waiting - texts.Count, _maxQueuedTexts, texts.Count);
        }
        var request = new BatchRequest(texts, Stopwatch.GetTimestamp(), cancellationToken);
        if (request.IsFinished)
        {
            Interlocked.Add(ref _queuedTexts, -texts.Count);
            return request.Completion;
        }
        _metrics.QueueDepth.Inc(texts.Count);
        if (!_queue.Writer.TryWrite(request))
        {
            CountQueued(-texts.Count);
            throw new ChannelClosedException("the prediction service is shutting down");
        }
        return request.Completion;
    }

    /// <summary>
    /// Moves this batcher's count and the server's gauge by <paramref name="texts"/>: the gauge is moved, not set, as a
    /// fine-tuning service runs one batcher a model and its gauge counts the texts waiting in all of them.
    /// </summary>
    private void CountQueued(int texts)
    {
        Interlocked.Add(ref _queuedTexts, texts);
        _metrics.QueueDepth.Inc(texts);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A dedicated thread, not a pool task: model runs block for milliseconds at a time and would starve Kestrel's pool.
        _thread = new Thread(RunLoop) { IsBackground = true, Name = "ortagent-batcher" };
        _thread.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Takes no new work and waits until every queued request has been answered, or until <paramref name="cancellationToken"/>
    /// (the host's shutdown timeout) fires: then it returns, leaving a batch that runs to finish or to the process's
    /// exit and refusing the texts still queued (a 503 each), and says so when there was such work.
    /// </summary>
    /// <remarks>
    /// It used to throw at the timeout, and the host rethrew that from its stop: <c>serve</c>, stopped by SIGTERM as
    /// asked, exited 130 with the single word "cancelled", and nothing said that requests had been cut off. The
    /// classifier a batch still runs on is reference-counted, so the host may dispose the slot meanwhile.
    /// </remarks>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_thread is null) return;
        try
        {
            await _stopped.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's one stop token may have run out on other work (a slow /explain) with this batcher idle, its
            // thread about to end: that is no news. Queued texts would otherwise run after the host has disposed the
            // model, each batch failing with a stack trace in the log.
            _abandoned = true;
            int queued = QueuedTexts;
            if (_batchRunning || queued > 0)
                _logger.LogWarning("The stop's time ran out {While}; {Texts} texts queued are refused", _batchRunning ? "while a batch was still running" : "before the queue was drained", queued);
        }
    }

    private void RunLoop()
    {
        try
        {
            BatchRequest? carried = null;
            var batch = new List<BatchRequest>();
            while (true)
            {
                var first = carried ?? TakeNext(waitUntil: null);
                carried = null;
                if (first is null) break;
                if (first.IsFinished) continue;
                batch.Clear();
                batch.Add(first);
                int texts = first.Texts.Count;
                long deadline = first.EnqueuedAt + _maxWaitTicks;
                while (texts < _maxBatch)
                {
                    var next = TakeNext(waitUntil: deadline);
                    if (next is null) break;
                    if (next.IsFinished) continue;
                    if (texts + next.Texts.Count > _maxBatch)
                    {
                        carried = next;
                        break;
                    }
                    batch.Add(next);
                    texts += next.Texts.Count;
                }
                Run(batch);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>
    /// The next queued request: waits forever when <paramref name="waitUntil"/> is null, otherwise until that timestamp.
    /// Null when the wait ran out or the queue is completed and empty.
    /// </summary>
    private BatchRequest? TakeNext(long? waitUntil)
    {
        var reader = _queue.Reader;
        while (true)
        {
            if (reader.TryRead(out var request))
            {
                CountQueued(-request.Texts.Count);
                return request;
            }
            if (waitUntil is null)
            {
                // Blocking is the point of the dedicated thread; nothing else runs on it.
                if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) return null;
                continue;
            }
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), waitUntil.Value);
            if (remaining <= TimeSpan.Zero || _stopBegan.IsCancellationRequested) return null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopBegan);
            timeout.CancelAfter(remaining);
            try
            {
                if (!reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult()) return null;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    private void Run(List<BatchRequest> batch)
    {
        // Callers that left while their request waited are dropped here, before the model spends time on them.
        batch.RemoveAll(r => r.IsFinished);
        if (batch.Count == 0) return;
        if (_abandoned)
        {
            var stopped = new ChannelClosedException("the prediction service is shutting down");
            foreach (var request in batch) request.Fail(stopped);
            return;
        }
        var texts = new List<string>(batch.Sum(r => r.Texts.Count));
        foreach (var request in batch) texts.AddRange(request.Texts);
        _batchSizes.Observe(texts.Count);
        IReadOnlyList<Prediction> predictions;
        _batchRunning = true;
        try
        {
            predictions = _predictor.PredictBatch(texts);
        }
        catch (Exception ex)
        {
            // Whatever the model throws belongs to the callers of this batch; the batcher thread must live on for the rest.
            _logger.LogError(ex, "A batch of {Texts} texts failed", texts.Count);
            foreach (var request in batch) request.Fail(ex);
            return;
        }
        finally
        {
            _batchRunning = false;
        }
        int offset = 0;
        foreach (var request in batch)
        {
            var slice = new Prediction[request.Texts.Count];
            for (int i = 0; i < slice.Length; i++) slice[i] = predictions[offset + i];
            offset += slice.Length;
            request.Complete(slice);
        }
    }
}
