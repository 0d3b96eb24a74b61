using System.Collections.Concurrent;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A hand-written predictor for batcher tests: labels each text with itself, records every batch it is given, can hold
/// the first batch until released (so that later requests queue up), and throws for the text "boom".
/// </summary>
internal sealed class FakeBatchPredictor : IBatchPredictor, IDisposable
{
    private readonly ManualResetEventSlim _firstBatchReleased;
    private readonly ManualResetEventSlim _firstBatchStarted = new(false);
    private int _batchesRun;

    public FakeBatchPredictor(bool holdFirstBatch = false) => _firstBatchReleased = new ManualResetEventSlim(!holdFirstBatch);

    public ConcurrentQueue<string[]> Batches { get; } = new();

    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts)
    {
        Batches.Enqueue(texts.ToArray());
        if (Interlocked.Increment(ref _batchesRun) == 1)
        {
            _firstBatchStarted.Set();
            // Bounded, so a broken test cannot hang the run.
            _firstBatchReleased.Wait(TimeSpan.FromSeconds(10));
        }
        if (texts.Contains("boom")) throw new InvalidOperationException("the fake model failed");
        return texts.Select(t => new Prediction(t, 1f, new Dictionary<string, float> { [t] = 1f })).ToArray();
    }

    /// <summary>Waits until the first batch is being held inside <see cref="PredictBatch"/>.</summary>
    public void WaitUntilFirstBatchStarted() => Assert.True(_firstBatchStarted.Wait(TimeSpan.FromSeconds(10)), "the batcher never ran a batch");

    public void ReleaseFirstBatch() => _firstBatchReleased.Set();

    public void Dispose()
    {
        _firstBatchReleased.Dispose();
        _firstBatchStarted.Dispose();
    }
}
