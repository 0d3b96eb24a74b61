using OrtAgent.Runtime;
using OrtAgent.Runtime.Explanations;

namespace OrtAgent.Mcp;

/// <summary>
/// One classifier the MCP tools answer with. <c>ortagent mcp</c> holds its own loaded classifiers; <c>serve</c> hands
/// its reloadable, micro-batched one, so tool calls and <c>/predict</c> share the same model and batches.
/// </summary>
internal interface IToolModel
{
    /// <summary>The name a client passes as <c>model</c>: the model directory's name.</summary>
    string Name { get; }

    /// <summary>Labels, base model and recorded metrics of the model answering now.</summary>
    ClassifierModelInfo Info { get; }

    /// <summary>Classifies <paramref name="texts"/> in order.</summary>
    Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);

    /// <summary>
    /// Loads the model if it is not loaded, and holds nothing after: <see cref="ExplanationTools"/> calls it before an
    /// explanation waits its turn in the server's <see cref="Serving.ExplanationQueue"/>, so that a service's model waits
    /// for a slot without holding the queue's one running place, and the call waiting its turn pins no model (one evicted
    /// meanwhile is loaded again at the call's turn, holding the place).
    /// </summary>
    Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Explains one text with integrated gradients (<see cref="TextClassifier.Explain"/>), seconds of work on the calling
    /// thread once the model is taken: <see cref="ExplanationTools"/> calls it only when the queue's turn has come, and
    /// the model is let go before it returns.
    /// </summary>
    /// <exception cref="ModelLoadException">The model has no usable <c>explain.onnx</c>.</exception>
    Task<TextExplanation> ExplainAsync(string text, ExplainOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// <paramref name="exception"/>, a problem with this model's files, described once for the server's log (the whole
    /// line) and for the tool's caller: the whole line to <c>ortagent mcp</c>'s local client, and without the server's
    /// paths to a server's remote one.
    /// </summary>
    (string ForLog, string ForClients) Describe(ModelLoadException exception);
}
