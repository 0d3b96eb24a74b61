using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// Two toy classifiers in directories named <c>sentiment</c> and <c>topic</c> (so those are their MCP names), written
/// once for the MCP tests. Their predictions are known in advance: see <see cref="ToyClassifierModel"/>.
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
    }

    /// <summary>Labels negative/positive.</summary>
    public string SentimentDirectory { get; }

    /// <summary>Labels food/sports/other.</summary>
    public string TopicDirectory { get; }

    public void Dispose() => _root.Dispose();
}
