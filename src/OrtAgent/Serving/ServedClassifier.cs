using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Serving;

/// <summary>
/// One loaded <see cref="TextClassifier"/> with a count of its users. The slot that installed it holds one reference;
/// each running batch holds another. The classifier is disposed when the last reference goes, so a model replaced by a
/// reload finishes the batches already running on it before its native session is freed.
/// </summary>
internal sealed class ServedClassifier : IBatchPredictor
{
    private int _references = 1;
    private Action? _afterDispose;
    private Action? _afterIdle;

    /// <param name="classifier">The loaded classifier, which this instance disposes after its last release.</param>
    public ServedClassifier(TextClassifier classifier) => Classifier = classifier;

    public TextClassifier Classifier { get; }

    /// <summary>
    /// The classifier's own tokenizer, which counts a text's tokens for a refusal (<c>"truncate": false</c>) or a chat's
    /// usage: the vocabulary the classifier loaded, whatever its directory holds since.
    /// </summary>
    public BertTextEncoder Encoder => Classifier.Encoder;

    /// <summary>
    /// How many tokens <paramref name="text"/> is as the model reads it, [CLS] and [SEP] included, uncut, and how many
    /// the model reads at most, counted alike.
    /// </summary>
    public (int Tokens, int MaxLength) Measure(string text) => (Encoder.CountTokens(text) + 2, Encoder.MaxLength);

    /// <summary>What <paramref name="text"/> holds when the model's tokenizer makes no token of it; null when it makes one (<see cref="Runtime.NothingToClassify"/>).</summary>
    public string? NothingToClassify(string text) => Runtime.NothingToClassify.Describe(text, Encoder);

    /// <summary>
    /// Classifies a batch that a <see cref="PredictionBatcher"/> coalesced, holding a reference of its own for the run:
    /// the requests in the batch hold theirs, but one that leaves meanwhile may let go of the last.
    /// </summary>
    /// <exception cref="ObjectDisposedException">Every request of the batch left and the model was unloaded; nobody waits for this batch.</exception>
    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts)
    {
        if (!TryAcquire()) throw new ObjectDisposedException(nameof(ServedClassifier), "the model was unloaded after every request of the batch had left");
        try
        {
            return Classifier.PredictBatch(texts);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Whether a caller beside the holder that installed it has a reference (a request using it now).</summary>
    public bool HasUsers => Volatile.Read(ref _references) > 1;

    /// <summary>
    /// Runs <paramref name="action"/> once the classifier is disposed, on the thread of the last release, after those
    /// added before it: how a bound on live sessions learns that one is gone, and a model's batcher that it may stop.
    /// Add it before the classifier is shared, or while holding a reference (the last release cannot come meanwhile),
    /// one caller at a time.
    /// </summary>
    public void AfterDispose(Action action) => _afterDispose += action;

    /// <summary>
    /// Runs <paramref name="action"/> each time a user's release leaves only the holder's reference (the classifier falls
    /// idle), on the releasing thread: how a bound on live sessions learns that a model may now be evicted. Set it
    /// before the classifier is shared; keep it cheap, as it runs after every request.
    /// </summary>
    public void AfterIdle(Action action) => _afterIdle = action;

    /// <summary>Takes a reference unless the classifier has already been released for good.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            // Zero means disposed (or about to be): resurrecting it would hand out a freed session.
            if (current == 0) return false;
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current) return true;
        }
    }

    /// <summary>Drops a reference; the last one disposes the classifier.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 1) _afterIdle?.Invoke();
        if (left != 0) return;
        Classifier.Dispose();
        // The sessions' memory went back to malloc's arenas, scattered among pages still in use: returned to the system
        // now, or resident memory grew with every reload.
        GlibcHeap.ReturnFreePages();
        _afterDispose?.Invoke();
    }
}
