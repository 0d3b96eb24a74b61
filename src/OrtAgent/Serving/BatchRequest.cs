using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary>One caller's texts waiting in the batcher, and the promise of their predictions.</summary>
internal sealed class BatchRequest
{
    private readonly TaskCompletionSource<IReadOnlyList<Prediction>> _completion =
        // Continuations must not run on the batcher thread: that thread should go straight back to the model.
        new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _cancellation;

    public BatchRequest(IReadOnlyList<string> texts, long enqueuedAt, CancellationToken cancellationToken)
    {
        Texts = texts;
        EnqueuedAt = enqueuedAt;
        // A caller that goes away is answered at once; the batcher sees the finished task and skips its texts.
        _cancellation = cancellationToken.Register(() => _completion.TrySetCanceled(cancellationToken));
    }

    public IReadOnlyList<string> Texts { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of queueing; the batch deadline counts from it.</summary>
    public long EnqueuedAt { get; }

    public Task<IReadOnlyList<Prediction>> Completion => _completion.Task;

    /// <summary>True once answered, failed or abandoned by its caller.</summary>
    public bool IsFinished => _completion.Task.IsCompleted;

    public void Complete(IReadOnlyList<Prediction> predictions)
    {
        _completion.TrySetResult(predictions);
        _cancellation.Dispose();
    }

    public void Fail(Exception error)
    {
        _completion.TrySetException(error);
        _cancellation.Dispose();
    }
}
