using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// Three toy classifiers in directories named <c>sentiment</c>, <c>topic</c> and <c>opinions</c> (so those are their MCP
/// names), written once for the MCP tests. Their predictions are known in advance: see <see cref="ToyClassifierModel"/>.
/// </summary>
public sealed class McpModels : IDisposable
{
    private readonly TempDirectory _root = new();

    public McpModels()
    {
        SentimentDirectory = _root.Combine("sentiment");
        ToyClassifierModel.Write(SentimentDirectory, ToyClassifierModel.Sentiment);
        TopicDirectory = _root.Combine("topic");
        ToyClassifierModel.Write(TopicDirectory, ToyClassifierModel.Topic);
        OpinionsDirectory = _root.Combine("opinions");
        ToyClassifierModel.Write(OpinionsDirectory, Opinions);
        ModelExporter.AddExplainGraph(OpinionsDirectory);
    }

    /// <summary>
    /// Labels negative/positive, where words also push against a label: "good" is +4 positive and −4 negative,
    /// "boring" +2 negative and −2 positive. The model is linear in the word embeddings (a masked mean), so
    /// integrated gradients are exact: a word's attribution is its push divided by the token count.
    /// </summary>
    public static readonly ToyModelSpec Opinions = new(
        ["negative", "positive"],
        new Dictionary<string, float[]> { ["good"] = [-4, 4], ["great"] = [-4, 4], ["boring"] = [2, -2] });

    /// <summary>Labels negative/positive.</summary>
    public string SentimentDirectory { get; }

    /// <summary>Labels food/sports/other; exported without an explain graph.</summary>
    public string TopicDirectory { get; }

    /// <summary>The <see cref="Opinions"/> model, with its explain graph.</summary>
    public string OpinionsDirectory { get; }

    public void Dispose() => _root.Dispose();
}
