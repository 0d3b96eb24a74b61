using OrtAgent.Runtime;

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

    /// <summary>Places taken now: explanations running or waiting (a test watches a cancelled call give its place back).</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Why a call was refused, for the caller to read.</summary>
    public string BusyMessage =>
        $"{Capacity} {(Capacity == 1 ? "explanation is" : "explanations are")} already running or waiting, one at a time; retry shortly";

    /// <summary>
    /// Takes a place unless <see cref="Capacity"/> are taken; each true must be matched by <see cref="Leave"/>.
    /// <see cref="TryExplainAsync"/> does both; a test takes places itself to fill the queue.
    /// </summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _admitted) <= Capacity) return true;
        Interlocked.Decrement(ref _admitted);
        return false;
    }

    public void Leave() => Interlocked.Decrement(ref _admitted);

    /// <summary>
    /// Explains with <paramref name="model"/> in its turn, or returns null at once when <see cref="Capacity"/> calls run
    /// or wait (the caller answers that the server is busy). The call takes a place, then loads the model without
    /// holding it (a service's may wait for a slot, which must not hold up explanations of models already loaded), then
    /// waits for the running place, and only then takes the model, runs <paramref name="explain"/> on it on the thread
    /// pool and lets it go. So the calls waiting their turn hold no model: they neither pin the models a bounded cache
    /// could otherwise evict (one evicted meanwhile is loaded again at the turn, holding the running place), nor keep a
    /// model deleted meanwhile alive to be explained.
    /// </summary>
    /// <returns><paramref name="explain"/>'s result, or null when the queue is full.</returns>
    /// <exception cref="ModelReplacedException">The model's files changed while it was explained, and it is still served: a model deleted meanwhile is refused by its <see cref="IExplainedModel.RefuseIfGone"/> instead, as a call after the delete is.
    /// Where the model served changed meanwhile (a reload), <paramref name="explain"/> runs once more on the one served now (since 2026-12-07), and only its refusal is thrown.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while the call waited or ran.</exception>
    /// <remarks>The model's refusals (<see cref="IExplainedModel"/>) and <paramref name="explain"/>'s exceptions reach the caller as they are.</remarks>
    public async Task<T?> TryExplainAsync<T>(IExplainedModel model, Func<TextClassifier, T> explain, CancellationToken cancellationToken) where T : class
    {
        if (!TryEnter()) return null;
        try
        {
            // Loaded, and let go: a loaded model stays cached for the turn (the next acquisition finds it), yet evictable and deletable.
            (await model.AcquireAsync(cancellationToken).ConfigureAwait(false)).Release();
            return await RunAsync(async () =>
            {
                var served = await model.AcquireAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    try
                    {
                        return explain(served.Classifier);
                    }
                    catch (ModelReplacedException)
                    {
                        // A reload between the take and the explain graph's opening put the model now on disk in place of
                        // the one that refused: that one answers, once. The same one still served means the folder was
                        // replaced and not reloaded, which the refusal tells the caller to do.
                        var current = await model.AcquireAsync(cancellationToken).ConfigureAwait(false);
                        if (ReferenceEquals(current, served))
                        {
                            current.Release();
                            throw;
                        }
                        served.Release();
                        served = current;
                    }
                    return explain(served.Classifier);
                }
                finally
                {
                    served.Release();
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelReplacedException)
        {
            // A delete removes the model's files, which the explanation may read after it (explain.onnx is opened on first use).
            model.RefuseIfGone();
            throw;
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>
    /// Runs <paramref name="explain"/> on the thread pool once the running explanation, and those waiting before it, have
    /// ended, for a caller holding a place (<see cref="TryEnter"/>): <see cref="TryExplainAsync"/>'s turn, or a test's
    /// stand-in for a long explanation holding the running place.
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
