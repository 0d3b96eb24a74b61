using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// One classifier the MCP tools answer with. <c>ortagent mcp</c> holds its own loaded classifiers; <c>serve</c> hands
/// its reloadable, micro-batched one, so tool calls and <c>/predict</c> share the same model and batches. An
/// explanation takes it through the server's <see cref="ExplanationQueue"/> (<see cref="IExplainedModel"/>), whose
/// refusals here are tool errors.
/// </summary>
internal interface IToolModel : IExplainedModel
{
    /// <summary>The name a client passes as <c>model</c>: the model directory's name.</summary>
    string Name { get; }

    /// <summary>Labels, base model and recorded metrics of the model answering now.</summary>
    ClassifierModelInfo Info { get; }

    /// <summary>Whether <c>explain_text</c> can explain it: the model answering now has its <c>explain.onnx</c>.</summary>
    bool CanExplain { get; }

    /// <summary>Classifies <paramref name="texts"/> in order.</summary>
    Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);

    /// <summary>
    /// <paramref name="exception"/>, a problem with this model's files, described once for the server's log (the whole
    /// line) and for the tool's caller: the whole line to <c>ortagent mcp</c>'s local client, and without the server's
    /// paths to a server's remote one.
    /// </summary>
    (string ForLog, string ForClients) Describe(ModelLoadException exception);
}
