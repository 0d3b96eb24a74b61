using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using OrtAgent.Mcp;
using OrtAgent.Runtime;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;
using Prometheus;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// <c>serve</c>'s model as its MCP tools use it: <c>explain_text</c>, whose reload may change the model between a call's
/// checks and its turn, and <c>classify_text</c>, which shares /predict's batcher and so its queue's bound.
/// </summary>
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

    /// <summary>The result said nothing when its gap was above the 0.05 its schema calls faithful; it names the argument to raise.</summary>
    [Theory]
    [InlineData(0.05, 32, null)]
    [InlineData(0.0, 32, null)]
    [InlineData(0.12, 32, "relative_completeness_gap 0.12 is above 0.05, so the attributions are approximate; call again with a larger 'steps' (this call took 32, this server takes up to 256) for a more faithful explanation")]
    [InlineData(0.2, 256, "relative_completeness_gap 0.2 is above 0.05, so the attributions are approximate; 'steps' is already 256, the most this server takes")]
    public void AGapAboveFaithfulSaysMoreStepsWouldHelp(double gap, int steps, string? expected) =>
        Assert.Equal(expected, ExplanationTools.Advice(gap, steps, maxSteps: 256));

    /// <summary>
    /// A classify_text call whose texts find the queue full is a tool error saying the server is busy and why, as a
    /// stopping server's is; the batcher's own exception would have reached the client as "an error occurred".
    /// </summary>
    [Fact]
    public async Task AFullPredictionQueueIsAToolErrorSayingTheServerIsBusy()
    {
        ToyClassifierModel.Write(_directory.Path, ToyClassifierModel.Sentiment);
        using var slot = ClassifierSlot.Load(_directory.Path, new TextClassifierOptions());
        using var predictor = new FakeBatchPredictor(holdFirstBatch: true);
        var batcher = new PredictionBatcher(predictor, 1, TimeSpan.Zero, new ServingMetrics(new CollectorRegistry()), NullLogger<PredictionBatcher>.Instance,
            maxQueuedTexts: 1);
        await batcher.StartAsync(default);
        var model = new ServedToolModel("toy", slot, batcher);
        var running = model.PredictAsync(["running"], default);
        predictor.WaitUntilFirstBatchStarted();
        var queued = model.PredictAsync(["queued"], default);

        var refused = await Assert.ThrowsAsync<McpException>(() => model.PredictAsync(["refused"], default));

        Assert.Equal("the server is busy: the prediction queue is full: 1 text is waiting for the model, at most 1 may, and this request brings 1; try again in a second",
            refused.Message);
        predictor.ReleaseFirstBatch();
        await Task.WhenAll(running, queued).WaitAsync(TimeSpan.FromSeconds(10));
        await batcher.StopAsync(default);
    }
}
