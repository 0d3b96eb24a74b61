using OrtAgent.Runtime;

namespace OrtAgent.Mcp;

/// <summary>What <c>ortagent mcp</c> serves: the model directories, how to run them, and the per-call limits.</summary>
/// <param name="ModelDirectories">Exported model directories; each model is named after its directory.</param>
/// <param name="Classifier">Device, threads and batch size for every model.</param>
/// <param name="Limits">Most texts per call and characters per text.</param>
public sealed record McpStdioRequest(IReadOnlyList<string> ModelDirectories, TextClassifierOptions Classifier, ToolLimits Limits)
{
    /// <summary>
    /// When set, the fine-tuning service runs in-process on this store and serves the model directories (then
    /// <see cref="ModelDirectories"/> may be empty) with the models its jobs train; null for plain classifiers.
    /// </summary>
    public FineTuningService.FineTuningServiceOptions? FineTuning { get; init; }
}
