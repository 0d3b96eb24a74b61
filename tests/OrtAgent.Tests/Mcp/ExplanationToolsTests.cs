using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using OrtAgent.Mcp;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;
using Prometheus;

namespace OrtAgent.Tests.Mcp;

/// <summary><c>explain_text</c> on <c>serve</c>'s model, whose reload may change the model between a call's checks and its turn.</summary>
public sealed class ExplanationToolsTests : IDisposable
{
    private readonly TempDirectory _directory = new("explain-tools");

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// The label is checked against the model when the call comes, but explained by the model answering at its turn:
    /// a reload meanwhile to a model without the label made Explain's refusal escape the tool, a failure the client saw
    /// as "an error occurred" (POST /explain judges the label at the turn, and answers 422 naming it). It is a tool
    /// error naming the label and the labels the model has now.
    /// </summary>
    [Fact]
    public async Task ALabelGoneWithAReloadWhileTheCallWaitsIsAToolError()
    {
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);
        ModelExporter.AddExplainGraph(_directory.Path);
        using var slot = ClassifierSlot.Load(_directory.Path, new TextClassifierOptions());
        var batcher = new PredictionBatcher(slot, 1, TimeSpan.Zero, new ServingMetrics(new CollectorRegistry()), NullLogger<PredictionBatcher>.Instance);
        var queue = new ExplanationQueue(4);
        var tools = new ExplanationTools(new ToolModelCatalog([new ServedToolModel("toy", slot, batcher)]), new ToolLimits(), queue,
            NullLogger<ExplanationTools>.Instance);
        var turn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = queue.RunAsync(() => turn.Task, CancellationToken.None);   // as a long explanation holds the running place

        var waiting = tools.ExplainTextAsync("the movie was great", label: "positive");   // checked, then waits its turn
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Topic);
        ModelExporter.AddExplainGraph(_directory.Path);
        await slot.ReloadAsync(CancellationToken.None);
        turn.SetResult(0);
        await running;

        var refused = await Assert.ThrowsAsync<McpException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("'positive' is not a label of toy; its labels are: food, sports, other", refused.Message);
    }
}
