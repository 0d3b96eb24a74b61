using OrtAgent.Runtime.Text;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Models;

/// <summary>
/// A loaded classifier, the tokenizer that counts a request's tokens for <c>usage</c>, and the batcher its
/// <c>/predict</c>, chat completions and MCP <c>classify_text</c> calls share (<see cref="ModelBatchers"/>).
/// </summary>
internal sealed class LoadedModel(string id, ServedClassifier served)
{
    private readonly Lock _batcherGate = new();
    private PredictionBatcher? _batcher;

    public string Id { get; } = id;

    /// <summary>Reference-counted, so a model deleted while a request uses it is freed after that request.</summary>
    public ServedClassifier Served { get; } = served;

    public BertTextEncoder Encoder => Served.Encoder;

    /// <summary>
    /// The batcher that coalesces this model's concurrent classifications, whichever path they came by, as <c>serve</c>'s
    /// does its one model's: made by <paramref name="make"/> at the model's first one, and stopped once the classifier is
    /// disposed (evicted, deleted or the service stopping, and its last request done). One a model, so a request never
    /// waits on another model's batch. Call it holding a reference on <see cref="Served"/>: every request queued holds
    /// one, so the batcher has no request left when it stops, and none runs on a disposed session.
    /// </summary>
    /// <remarks>
    /// Made at the first classification rather than at the load: it counts into the host's metrics and logs to its
    /// loggers, which do not exist yet when the cache loads the <c>--model</c> directories, and a model only explained
    /// or listed keeps no batcher thread. Every classification after the first reads it without a lock: it is published
    /// only once started and bound to the classifier's disposal, and never replaced, so the lock is taken by a model's
    /// first classifications alone, lest two of them each make one.
    /// </remarks>
    public PredictionBatcher Batcher(Func<IBatchPredictor, PredictionBatcher> make) => Volatile.Read(ref _batcher) ?? MakeBatcher(make);

    private PredictionBatcher MakeBatcher(Func<IBatchPredictor, PredictionBatcher> make)
    {
        lock (_batcherGate)
        {
            if (_batcher is { } made) return made;
            var batcher = make(Served);
            batcher.StartAsync(CancellationToken.None);
            Served.AfterDispose(() => _ = batcher.StopAsync(CancellationToken.None));
            Volatile.Write(ref _batcher, batcher);
            return batcher;
        }
    }
}
