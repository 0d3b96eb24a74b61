namespace OrtAgent.Serving;

/// <summary>
/// A server's explanations, whichever way they come in (<c>POST /explain</c>, the MCP tool <c>explain_text</c>): one
/// runs at a time, at most <see cref="Capacity"/> run or wait, and a call beyond those is refused at once. Each
/// explanation holds about a gigabyte of activations and keeps every core busy, so a second one running beside it
/// would only double the memory. A waiting call holds no thread: it waits asynchronously and reaches the thread pool
/// only when its turn comes, so a crowd of callers cannot starve the threads that answer <c>/health</c>.
/// </summary>
internal sealed class ExplanationQueue(int capacity)
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private int _admitted;

    /// <summary>Most explanations running or waiting at once.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Why a call was refused, for the caller to read.</summary>
    public string BusyMessage =>
        $"{Capacity} {(Capacity == 1 ? "explanation is" : "explanations are")} already running or waiting, one at a time; retry shortly";

    /// <summary>Takes a place unless <see cref="Capacity"/> are taken; each true must be matched by <see cref="Leave"/>.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _admitted) <= Capacity) return true;
        Interlocked.Decrement(ref _admitted);
        return false;
    }

    public void Leave() => Interlocked.Decrement(ref _admitted);

    /// <summary>
    /// Runs <paramref name="explain"/> on the thread pool once the running explanation, and those waiting before it, have
    /// ended, for a caller holding a place (<see cref="TryEnter"/>). <paramref name="explain"/> takes its model only now,
    /// and lets it go before it returns: a call waiting here holds no model, so the waiting calls neither pin the models
    /// a bounded cache could otherwise evict, nor keep a model deleted meanwhile alive to be explained.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while the call waited or ran.</exception>
    public async Task<T> RunAsync<T>(Func<Task<T>> explain, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(explain, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _running.Release();
        }
    }
}
