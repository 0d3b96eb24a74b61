using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>A classifier loaded for <c>ortagent mcp</c>, owned by it and disposed with it.</summary>
internal sealed class LoadedToolModel(string name, TextClassifier classifier) : IToolModel, IDisposable
{
    // Counted as a server counts its models' users, so that an explanation takes it through the queue as it takes
    // theirs, and a stop while a prediction or an explanation runs frees the classifier after it rather than under it.
    private readonly ServedClassifier _served = new(classifier);

    public string Name { get; } = name;

    public ClassifierModelInfo Info => classifier.Info;

    public bool CanExplain => classifier.CanExplain;

    // A stdio client sends one request at a time per tool call; running the model off the transport's thread keeps
    // the server answering pings and cancellations while a long batch runs.
    public Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var served = Acquire();
            try
            {
                return served.Classifier.PredictBatch(texts, cancellationToken);
            }
            finally
            {
                served.Release();
            }
        }, cancellationToken);

    public Task<ServedClassifier> AcquireAsync(CancellationToken cancellationToken) => Task.FromResult(Acquire());

    private ServedClassifier Acquire() => _served.TryAcquire() ? _served : throw new ObjectDisposedException(Name);

    // Loaded for the process's life: nothing deletes it.
    public void RefuseIfGone() { }

    // The client started this process on this machine, and the paths are its own.
    public (string ForLog, string ForClients) Describe(ModelLoadException exception)
    {
        string line = Cli.OptionFlags.Describe(exception);
        return (line, line);
    }

    public void Dispose() => _served.Release();
}
