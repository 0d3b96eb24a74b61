using OrtAgent.Runtime;

namespace OrtAgent.Serving;

/// <summary>
/// Holds the classifier the server currently answers with and swaps in a freshly loaded one on reload. A swap is one
/// atomic exchange: batches that already took the old classifier finish on it, later batches get the new one, and
/// the old one is disposed once its last batch ends.
/// </summary>
internal sealed class ClassifierSlot : IBatchPredictor, IDisposable
{
    private readonly TextClassifierOptions _options;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private ServedClassifier _current;
    private int _disposed;

    private ClassifierSlot(string directory, TextClassifierOptions options, ServedClassifier served)
    {
        Directory = directory;
        _options = options;
        _current = served;
    }

    /// <summary>The directory the model is (re)loaded from.</summary>
    public string Directory { get; }

    /// <summary>Metadata of the classifier answering now.</summary>
    public ClassifierModelInfo Info => Volatile.Read(ref _current).Classifier.Info;

    /// <summary>Whether the classifier answering now can explain its predictions (<see cref="TextClassifier.CanExplain"/>).</summary>
    public bool CanExplain => Volatile.Read(ref _current).Classifier.CanExplain;

    /// <summary>How many reloads have succeeded.</summary>
    public int ReloadCount { get; private set; }

    /// <exception cref="ModelLoadException">The directory does not hold a servable model.</exception>
    public static ClassifierSlot Load(string directory, TextClassifierOptions options) =>
        new(directory, options, LoadServable(directory, options));

    /// <summary>
    /// Loads the classifier and, when the model has <c>explain.onnx</c>, checks that it loads too: it is otherwise first
    /// opened by the first /explain, so a damaged one was accepted by a reload and then refused every explanation.
    /// </summary>
    private static ServedClassifier LoadServable(string directory, TextClassifierOptions options)
    {
        var classifier = TextClassifier.Load(directory, options);
        try
        {
            if (classifier.CanExplain) classifier.CheckExplainer();
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
        return new ServedClassifier(classifier);
    }

    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts) => Use(served => served.Classifier.PredictBatch(texts));

    /// <summary><see cref="ServedClassifier.Measure"/> with the classifier answering now.</summary>
    public (int Tokens, int MaxLength) Measure(string text) => Use(served => served.Measure(text));

    /// <summary><see cref="ServedClassifier.NothingToClassify"/> with the classifier answering now.</summary>
    public string? NothingToClassify(string text) => Use(served => served.NothingToClassify(text));

    /// <summary>
    /// Takes a reference on the classifier answering now, which a reload meanwhile does not free: a request that waits
    /// (an explanation in its queue) holds it until the caller releases it.
    /// </summary>
    public ServedClassifier Acquire()
    {
        var served = Volatile.Read(ref _current);
        // A reload can release the classifier between the read and the acquire; then the new one is already in place.
        while (!served.TryAcquire())
        {
            // After Dispose the current classifier is released too; spinning would never end.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            served = Volatile.Read(ref _current);
        }
        return served;
    }

    private T Use<T>(Func<ServedClassifier, T> work)
    {
        var served = Acquire();
        try
        {
            return work(served);
        }
        finally
        {
            served.Release();
        }
    }

    /// <summary>
    /// Loads the model again from <see cref="Directory"/> and makes it current. Reloads run one at a time; on failure
    /// the current classifier keeps serving.
    /// </summary>
    /// <exception cref="ModelLoadException">The model on disk cannot be loaded.</exception>
    public async Task<ClassifierModelInfo> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Loading parses and optimises the graph: seconds for a real model, so keep it off the request thread.
            var next = await Task.Run(() => LoadServable(Directory, _options), cancellationToken).ConfigureAwait(false);
            var previous = Interlocked.Exchange(ref _current, next);
            previous.Release();
            ReloadCount++;
            return next.Classifier.Info;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Volatile.Read(ref _current).Release();
        _reloadGate.Dispose();
    }
}
