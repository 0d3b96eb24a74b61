using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Mcp;

/// <summary>A classifier loaded for <c>ortagent mcp</c>, owned by it and disposed with it.</summary>
internal sealed class LoadedToolModel(string name, TextClassifier classifier) : IToolModel, IDisposable
{
    public string Name { get; } = name;

    public ClassifierModelInfo Info => classifier.Info;

    // A stdio client sends one request at a time per tool call; running the model off the transport's thread keeps
    // the server answering pings and cancellations while a long batch runs.
    public Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        Task.Run(() => classifier.PredictBatch(texts, cancellationToken), cancellationToken);

    public Task LoadAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<TextExplanation> ExplainAsync(string text, ExplainOptions options, CancellationToken cancellationToken) =>
        Task.FromResult(classifier.Explain(text, options, cancellationToken));

    // The client started this process on this machine, and the paths are its own.
    public (string ForLog, string ForClients) Describe(ModelLoadException exception)
    {
        string line = Cli.OptionFlags.Describe(exception);
        return (line, line);
    }

    public void Dispose() => classifier.Dispose();
}
