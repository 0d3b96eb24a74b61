using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Mcp;
using OrtAgent.Runtime.Explanations;
using OrtAgent.Serving;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;
using static OrtAgent.Tests.FineTuningService.ServedModelsTests;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>serve</c> checks a model's <c>explain.onnx</c> when it loads it and holds that file open, so a folder swapped
/// (another model renamed into its place) after the load still explains with the loaded model. The fine-tuning service
/// did not: its models opened <c>explain.onnx</c> by path at their first explanation, which found the new model's
/// folder and answered 409 <c>model_replaced</c> while <c>/predict</c> answered with the loaded model. Its loads now
/// check and hold the graph as serve's do, for the <c>--model</c> folders and the models its jobs made alike.
/// </summary>
public sealed class ServiceExplainerPinTests : IDisposable
{
    private const string Text = "the movie was great";
    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    /// <summary>The toy sentiment model with its explain graph written at <paramref name="directory"/>.</summary>
    private static void WriteExplainedSentiment(string directory)
    {
        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        ModelExporter.AddExplainGraph(directory);
    }

    /// <summary>
    /// Moves the model in <paramref name="directory"/> away and renames another, the topic model, into its place, as a
    /// deployment swaps a folder; the topic model would call <see cref="Text"/> "other", never "positive".
    /// </summary>
    private static void SwapInTopicModel(string directory)
    {
        string next = directory + "-next";
        ToyClassifierModel.Write(next, ToyClassifierModel.Topic);
        ModelExporter.AddExplainGraph(next);
        Directory.Move(directory, directory + "-old");
        Directory.Move(next, directory);
    }

    [Fact]
    public async Task AModelFolderSwappedAfterTheStartIsExplainedByTheModelLoaded()
    {
        var given = Path.Combine(_tiny.Root, "given");
        WriteExplainedSentiment(given);
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel, modelDirectories: [given]);
        SwapInTopicModel(given);

        using var explained = await service.Http.PostAsJsonAsync("/explain", new { inputs = Text, model = "given", steps = 2 });
        using var predicted = await service.Http.PostAsJsonAsync("/predict", new { inputs = Text, model = "given" });

        string body = await explained.Content.ReadAsStringAsync();
        Assert.True(explained.StatusCode == HttpStatusCode.OK, body);
        var explanation = JsonDocument.Parse(body).RootElement;
        // /predict answers one input with its labels' scores, best first.
        var prediction = (await predicted.Content.ReadFromJsonAsync<JsonElement>())[0];
        Assert.Equal("positive", prediction.GetProperty("label").GetString());
        Assert.Equal(prediction.GetProperty("label").GetString(), explanation.GetProperty("label").GetString());
        // [CLS] the movie was great [SEP]: "great" carries the loaded model's whole positive logit, 6 / 6 tokens.
        var great = explanation.GetProperty("words").EnumerateArray().Single(w => w.GetProperty("text").GetString() == "great");
        Assert.Equal(1.0, great.GetProperty("attribution").GetDouble(), 4);
    }

    /// <summary>
    /// A --model folder is loaded at start as serve loads its model: a damaged explain.onnx stops the start naming it, as
    /// serve's does, where the store's own models (loaded on demand, with nothing else to serve them) stay served.
    /// </summary>
    [Fact]
    public async Task AModelFolderWithADamagedExplainGraphStopsTheStartNamingIt()
    {
        var given = Path.Combine(_tiny.Root, "given");
        WriteExplainedSentiment(given);
        string graph = Path.Combine(given, "explain.onnx");
        var whole = File.ReadAllBytes(graph);
        File.WriteAllBytes(graph, whole[..(whole.Length / 2)]);

        var error = await Assert.ThrowsAsync<UserInputException>(() => ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel, modelDirectories: [given]));

        Assert.StartsWith($"--model {given}: {graph}: is not a whole ONNX model", error.Message);
    }

    /// <summary>
    /// An /explain of a job's model, loaded on its way in, waits its turn behind a long explanation while the model's
    /// folder is swapped: at its turn it explains the model loaded, which still answers /predict, where it was a 409.
    /// </summary>
    [Fact]
    public async Task AnExplanationWaitingItsTurnWhileItsModelsFolderIsSwappedIsAnsweredByTheModelLoaded()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var (job, model) = AddFineTunedModel(store, "swapped");
        ModelExporter.AddExplainGraph(store.ModelDirectory(job.Id));
        var queue = service.App.Services.GetRequiredService<ExplanationQueue>();
        var turn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The running place held, as a long explanation holds it.
        var running = queue.RunAsync(() => turn.Task, CancellationToken.None);
        try
        {
            // Loaded whole before the swap: the explanation's own load is under way as soon as the cache holds the model,
            // so a swap then could land before the load read the folder.
            using (var first = await service.Http.PostAsJsonAsync("/predict", new { inputs = Text, model }))
                Assert.Equal("positive", (await first.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("label").GetString());
            var waiting = service.Http.PostAsJsonAsync("/explain", new { inputs = Text, model, steps = 2 });
            // The request loads the model before it waits for the running place.
            var models = service.App.Services.GetRequiredService<ServedModels>();
            Assert.True(await Eventually.ReturnsAsync(() => Task.FromResult(queue.Admitted == 1 && models.Holds(model)), held => held, TimeSpan.FromSeconds(30)));
            SwapInTopicModel(store.ModelDirectory(job.Id));
            turn.SetResult(0);
            await running;

            using var explained = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

            string body = await explained.Content.ReadAsStringAsync();
            Assert.True(explained.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("positive", JsonDocument.Parse(body).RootElement.GetProperty("label").GetString());
            using var predicted = await service.Http.PostAsJsonAsync("/predict", new { inputs = Text, model });
            Assert.Equal("positive", (await predicted.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("label").GetString());
        }
        finally
        {
            turn.TrySetResult(0);
        }
    }

    /// <summary>
    /// An explanation running on a job's model while its folder is swapped and the model is loaded again (evicted, then
    /// asked for): it was answered by the model loaded since (its first explanation found the folder changed, and the
    /// queue tried the model served now), or refused 409 where none was; it now finishes on the model it started on, as
    /// serve's explanation across a reload does.
    /// </summary>
    [Fact]
    public async Task AnExplanationRunningWhileItsModelIsSwappedAndLoadedAgainFinishesOnTheModelItStartedOn()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "store"));
        var (job, model) = AddFineTunedModel(store, "reloaded");
        ModelExporter.AddExplainGraph(store.ModelDirectory(job.Id));
        using var models = new ServedModels(store, Options(store));
        var queue = new ExplanationQueue(4);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var go = new ManualResetEventSlim();

        var explaining = queue.TryExplainAsync(new ServiceToolModel(model, models, batchers: null), classifier =>
        {
            started.TrySetResult();
            Assert.True(go.Wait(TimeSpan.FromSeconds(30)));
            return classifier.Explain(Text, new ExplainOptions { Steps = 2 });
        }, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        SwapInTopicModel(store.ModelDirectory(job.Id));
        models.Unload(model);   // as an eviction does; the next request loads the folder again
        var reloaded = await models.AcquireAsync(model);
        try
        {
            Assert.Equal("other", reloaded.Served.Classifier.Predict(Text).Label);
        }
        finally
        {
            reloaded.Served.Release();
        }
        go.Set();

        var explanation = await explaining.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotNull(explanation);
        Assert.Equal("positive", explanation.Label);
        Assert.Equal("great", explanation.Words.MaxBy(word => word.Attribution)!.Text);
    }
}
