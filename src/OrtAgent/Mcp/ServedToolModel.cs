using System.Threading.Channels;
using ModelContextProtocol;
using OrtAgent.Runtime;
using OrtAgent.Serving;

namespace OrtAgent.Mcp;

/// <summary>
/// <c>serve</c>'s model as the MCP tools see it: calls go through the same <see cref="PredictionBatcher"/> as
/// <c>/predict</c>, so they share its batches, and a reload changes what both answer with.
/// </summary>
internal sealed class ServedToolModel(string name, ClassifierSlot slot, PredictionBatcher batcher) : IToolModel
{
    public string Name { get; } = name;

    public ClassifierModelInfo Info => slot.Info;

    public bool CanExplain => slot.CanExplain;

    public async Task<IReadOnlyList<Prediction>> PredictAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        try
        {
            return await batcher.PredictAsync(texts, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new McpException("the server is shutting down; try again once it is back");
        }
        catch (PredictionQueueFullException ex)
        {
            throw new McpException($"the server is busy: {ex.Message}");
        }
    }

    // Explanations skip the batcher, as POST /explain does: each is already a batch of path points. The slot always holds
    // a loaded model.
    public Task<ServedClassifier> AcquireAsync(CancellationToken cancellationToken) => Task.FromResult(slot.Acquire());

    // A reload replaces serve's model; nothing deletes it.
    public void RefuseIfGone() { }

    public (string ForLog, string ForClients) Describe(ModelLoadException exception) => ModelProblemText.Describe(exception, slot.Directory, Name);
}
