using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService;
using OrtAgent.FineTuningService.Api;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Mcp;
using OrtAgent.Runtime;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Mcp;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// How the service loads the fine-tuned models it serves: on first use, again after a failed load, and not at all for
/// good once unloaded, even while that load runs; once the service stops, not at all; never to list them or to read a
/// continued model's labels. The bound on loaded models is <see cref="ServedModelsBoundTests"/>'s.
/// </summary>
public sealed class ServedModelsTests : IDisposable
{
    internal static readonly TextClassifierOptions SingleThreaded = new() { Session = new OrtSessionSettings { IntraOpThreads = 1 } };

    private readonly TinyTrainingFixture _tiny = new();

    public void Dispose() => _tiny.Dispose();

    /// <summary>
    /// A fine-tuned model that could not be loaded was an unhandled 500 at its first use and at every use after, even
    /// once the model on disk was mended: the failed load was kept. It is now a 503 in OpenAI's envelope saying what is
    /// wrong, and the next request loads the model again. The body names the model's files by the model's id, not by
    /// their paths in the store (it told every client the server's layout); the log has the paths.
    /// </summary>
    [Fact]
    public async Task AModelThatCannotLoadIs503InTheEnvelopeAndServesOnceMended()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        const string jobId = "ftjob-0000000000000000000broken", model = $"ft:tiny:mended:{jobId}";
        var job = new JobRecord
        {
            Id = jobId, CreatedAt = FineTuningStore.Now(), Model = "tiny", TrainingFile = "file-none", Seed = 1, NEpochs = 1, BatchSize = 1,
            LearningRateMultiplier = 1, Status = JobStatus.Succeeded,
        };
        store.AddJob(job);
        store.UpdateJob(job with { FineTunedModel = model, FinishedAt = FineTuningStore.Now() });
        string directory = store.ModelDirectory(jobId);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "model.onnx"), "not a model");
        File.WriteAllLines(Path.Combine(directory, "vocab.txt"), ToyClassifierModel.Vocabulary);
        var chat = new { model, messages = new[] { new { role = "user", content = "the movie was great" } } };

        for (int attempt = 0; attempt < 2; attempt++)
        {
            using var refused = await service.Http.PostAsJsonAsync("/v1/chat/completions", chat);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.StartsWith($"model '{model}' cannot be loaded: {model}/model.onnx: ONNX Runtime cannot load it", error.GetProperty("message").GetString());
            Assert.DoesNotContain(_tiny.Root, error.GetProperty("message").GetString());
            Assert.Equal("server_error", error.GetProperty("type").GetString());
            Assert.Equal("model_unavailable", error.GetProperty("code").GetString());
        }

        // MCP's list_models reads every model: the broken one is listed with why, and does not hide the others.
        await using (var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null))
        {
            var listed = Assert.Single((await client.CallAsync("list_models", [])).GetProperty("models").EnumerateArray());
            Assert.Equal(model, listed.GetProperty("name").GetString());
            Assert.StartsWith($"model '{model}' cannot be loaded: '{model}/model.onnx' is not an ONNX model", listed.GetProperty("unavailable").GetString());
            Assert.DoesNotContain(_tiny.Root, listed.GetProperty("unavailable").GetString());
            Assert.Empty(listed.GetProperty("labels").EnumerateArray());
        }

        Assert.Contains(service.Logs.Lines, line => line.Contains($"{Path.Combine(directory, "model.onnx")}: ONNX Runtime cannot load it", StringComparison.Ordinal));

        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        using var answered = await service.Http.PostAsJsonAsync("/v1/chat/completions", chat);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var choice = (await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0];
        Assert.Equal("positive", choice.GetProperty("message").GetProperty("content").GetString());

        // Mended without explain.onnx, it cannot be explained, and explain_text names it by its id too.
        await using (var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null))
        {
            var toolError = await client.CallFailingAsync("explain_text", new() { ["text"] = "the movie was great", ["model"] = model });
            Assert.StartsWith($"{model} cannot be explained: {model}: no explain.onnx", toolError);
            Assert.DoesNotContain(_tiny.Root, toolError);
        }
    }

    /// <summary>
    /// A job's model id asked for before the job has made it (a client polling with the id it expects): it was a bare
    /// "does not exist"; the 404 says the job's state. An id whose suffix differs from the job's stays a bare 404.
    /// </summary>
    [Fact]
    public void AnUnfinishedJobsModelIdIsA404SayingTheJobsState()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "unfinished-store"));
        const string jobId = "ftjob-000000000000000000running";
        store.AddJob(new JobRecord
        {
            Id = jobId, CreatedAt = FineTuningStore.Now(), Model = "tiny", TrainingFile = "file-none", Suffix = "r2", Seed = 1, NEpochs = 1,
            BatchSize = 1, LearningRateMultiplier = 1, Status = JobStatus.Running,
        });
        using var gate = new LoadGate();
        using var models = new ServedModels(store, Options(store), gate.Load);

        var expected = models.NotFound($"ft:tiny:r2:{jobId}");
        Assert.Equal((StatusCodes.Status404NotFound, $"model 'ft:tiny:r2:{jobId}' does not exist yet: fine-tuning job {jobId} is running, " +
            "and its fine_tuned_model is served once it succeeds"), (expected.StatusCode, expected.Message));
        Assert.Equal($"model 'ft:tiny:other:{jobId}' does not exist", models.NotFound($"ft:tiny:other:{jobId}").Message);

        // A job that failed will make none: "served once it succeeds" would keep a client polling for ever.
        store.UpdateJob(store.GetJob(jobId)! with { Status = JobStatus.Failed, FinishedAt = FineTuningStore.Now() });
        Assert.Equal($"model 'ft:tiny:r2:{jobId}' does not exist: fine-tuning job {jobId} is failed and made no model", models.NotFound($"ft:tiny:r2:{jobId}").Message);
    }

    /// <summary>
    /// A model deleted while its first load ran: the unload saw no loaded model and released nothing, the load then
    /// served the deleted model to the request that started it, and its classifier was never disposed. The load is
    /// held open by a gate, so the unload comes in the middle of it every time.
    /// </summary>
    [Fact]
    public async Task AModelDeletedWhileItLoadsIsDisposedAndNotServed()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "deleted-store"));
        var (job, model) = AddFineTunedModel(store);
        using var gate = new LoadGate();
        using var models = new ServedModels(store, Options(store), gate.Load);

        var acquiring = Task.Run(() => models.AcquireAsync(model));
        var firstLoad = await gate.FirstLoaded.WaitAsync(TimeSpan.FromSeconds(30));
        store.UpdateJob(job with { ModelDeleted = true });   // as DELETE /v1/models/{id} does, then unloads
        models.Unload(model);
        gate.Open();

        var refused = await Assert.ThrowsAsync<OpenAIApiException>(() => acquiring.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCodes.Status404NotFound, refused.StatusCode);
        Assert.Equal(1, gate.Loads);
        Assert.Throws<ObjectDisposedException>(() => firstLoad.Served.Classifier.PredictBatch(["the movie was great"]));
    }

    /// <summary>
    /// Unloaded while it loads but neither deleted nor the service stopping (as when a model is replaced): the model
    /// the request gets is a fresh load, and the one the unload came too late for is disposed rather than kept alive.
    /// </summary>
    [Fact]
    public async Task AModelUnloadedButNotDeletedWhileItLoadsIsLoadedAgainAndTheFirstLoadDisposed()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "unloaded-store"));
        var (_, model) = AddFineTunedModel(store);
        using var gate = new LoadGate();
        using var models = new ServedModels(store, Options(store), gate.Load);

        var acquiring = Task.Run(() => models.AcquireAsync(model));
        var firstLoad = await gate.FirstLoaded.WaitAsync(TimeSpan.FromSeconds(30));
        models.Unload(model);
        gate.Open();

        var served = await acquiring.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotSame(firstLoad, served);
        Assert.Equal(2, gate.Loads);
        Assert.Throws<ObjectDisposedException>(() => firstLoad.Served.Classifier.PredictBatch(["the movie was great"]));
        Assert.Equal("positive", served.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        served.Served.Release();
        Assert.Equal("positive", served.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);   // the cache's reference keeps it
    }

    /// <summary>
    /// The service stopping while a model loads: the request found its entry gone and the job still there, so it loaded
    /// the model again into the disposed cache, which nothing would unload again, and served it. The load in flight is
    /// now disposed when it finishes, the request is a 503, and a later request loads nothing.
    /// </summary>
    [Fact]
    public async Task AModelLoadingWhenTheServiceStopsIsDisposedAndNoneLoadsAfter()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "stopping-store"));
        var (_, model) = AddFineTunedModel(store);
        using var gate = new LoadGate();
        var models = new ServedModels(store, Options(store), gate.Load);

        var acquiring = Task.Run(() => models.AcquireAsync(model));
        var firstLoad = await gate.FirstLoaded.WaitAsync(TimeSpan.FromSeconds(30));
        models.Dispose();
        gate.Open();

        var refused = await Assert.ThrowsAsync<OpenAIApiException>(() => acquiring.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, refused.StatusCode);
        Assert.Equal("service_stopping", refused.Code);
        Assert.Equal($"the service is stopping; model '{model}' is not served until it is back", refused.Message);
        Assert.Throws<ObjectDisposedException>(() => firstLoad.Served.Classifier.PredictBatch(["the movie was great"]));

        var later = await Assert.ThrowsAsync<OpenAIApiException>(() => models.AcquireAsync(model));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, later.StatusCode);
        Assert.Equal(1, gate.Loads);
    }

    /// <summary>
    /// A request that reaches the models once they are disposed (the service stopping) is a 503 in OpenAI's envelope on
    /// <c>/v1</c>, <c>/predict</c>'s 503 <c>unhealthy</c>, and a tool error over MCP; before, it loaded the model again and
    /// was answered with a classifier nothing would release.
    /// </summary>
    [Fact]
    public async Task ARequestOnceTheModelsAreDisposedIs503()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "stopped-store"), _tiny.BaseModel);
        var (_, model) = AddFineTunedModel(service.App.Services.GetRequiredService<FineTuningStore>());
        service.App.Services.GetRequiredService<ServedModels>().Dispose();   // as the host does once it stops

        using var chat = await service.Http.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new[] { new { role = "user", content = "the movie was great" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, chat.StatusCode);
        var error = (await chat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal($"the service is stopping; model '{model}' is not served until it is back", error.GetProperty("message").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("service_stopping", error.GetProperty("code").GetString());

        using var predict = await service.Http.PostAsJsonAsync("/predict", new { inputs = "the movie was great", model });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, predict.StatusCode);
        Assert.Equal("unhealthy", (await predict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString());

        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
        var listed = Assert.Single((await client.CallAsync("list_models", [])).GetProperty("models").EnumerateArray());
        Assert.Equal($"the service is stopping; model '{model}' is not served until it is back", listed.GetProperty("unavailable").GetString());
    }

    /// <summary>
    /// Model ids over HTTP are exact, as OpenAI's are, but a name that misses a served model only by case was a 404 "does
    /// not exist" on every route; each now names the model it probably meant. A name no model is like stays as it was.
    /// </summary>
    [Fact]
    public async Task AModelNamedInAnotherCaseIs404NamingTheModelMeant()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "case-store"), _tiny.BaseModel);
        var (_, model) = AddFineTunedModel(service.App.Services.GetRequiredService<FineTuningStore>());
        string shouted = model.ToUpperInvariant(), hint = $"; model ids are case-sensitive: did you mean '{model}'?";

        using var chat = await service.Http.PostAsJsonAsync("/v1/chat/completions", new { model = shouted, messages = new[] { new { role = "user", content = "the movie was great" } } });
        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
        var error = (await chat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal($"model '{shouted}' does not exist{hint}", error.GetProperty("message").GetString());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());

        using var got = await service.Http.GetAsync($"/v1/models/{Uri.EscapeDataString(shouted)}");
        Assert.Equal(HttpStatusCode.NotFound, got.StatusCode);
        Assert.Equal($"model '{shouted}' does not exist{hint}", (await got.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("message").GetString());

        using var predict = await service.Http.PostAsJsonAsync("/predict", new { inputs = "the movie was great", model = shouted });
        Assert.Equal(HttpStatusCode.NotFound, predict.StatusCode);
        Assert.Equal($"model '{shouted}' does not exist{hint}", (await predict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        using var unknown = await service.Http.PostAsJsonAsync("/predict", new { inputs = "the movie was great", model = "nope" });
        Assert.Equal("model 'nope' does not exist", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    /// <summary>
    /// Creating a job that continues a fine-tuned model loaded that model to read its labels: the load took one of the
    /// bounded serving slots, so a job's creation could evict a model answering chats, or wait for a slot and be a 503.
    /// The labels now come from the export's metadata: a training file with other labels is refused naming the model's,
    /// and no model is loaded.
    /// </summary>
    [Fact]
    public async Task CreatingAJobThatContinuesAFineTunedModelLoadsNoModel()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "continued-store"), _tiny.BaseModel);
        var (_, model) = AddFineTunedModel(service.App.Services.GetRequiredService<FineTuningStore>());
        var lines = Enumerable.Range(0, 12).Select(i =>
            $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"text {i}\"}}, {{\"role\": \"assistant\", \"content\": \"{(i % 2 == 0 ? "a" : "no\u202Eway")}\"}}]}}\n");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(string.Concat(lines)), "file", "other-labels.jsonl" },
            { new StringContent("fine-tune"), "purpose" },
        };
        using var uploaded = await service.Http.PostAsync("/v1/files", form);
        string file = (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        using var refused = await service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model, training_file = file });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        // A bidi control in a label (U+202E) is shown as '?', as every quoted text is, not echoed raw.
        Assert.Equal($"training_file has labels 'a', 'no?way'; continuing {model} needs exactly its labels 'negative', 'positive'", error.GetProperty("message").GetString());
        Assert.Equal(0, service.App.Services.GetRequiredService<ServedModels>().SessionsAlive);
    }

    /// <summary>
    /// MCP's <c>list_models</c> read each model's labels through a load, so a listing loaded every model the service
    /// ever made; with a bound it would also evict the models requests use. It now reads the exports' metadata.
    /// </summary>
    [Fact]
    public void ListingTheModelsLoadsNone()
    {
        using var served = new TwoModels(Path.Combine(_tiny.Root, "listed-store"), maxLoadedModels: 1);
        var (models, log, first, second) = (served.Models, served.Log, served.First, served.Second);

        var listed = new ModelTools(ToolModelCatalog.Live(() => ServiceToolModel.All(models))).ListModels().Models.ToDictionary(m => m.Name);

        Assert.Empty(log.Ids);
        Assert.Equal(["negative", "positive"], listed[first].Labels);
        Assert.Equal(["food", "sports", "other"], listed[second].Labels);
        Assert.Equal("toy-bag-of-words", listed[second].BaseModel);
        Assert.All(listed.Values, m => Assert.Null(m.Unavailable));
    }

    /// <summary>
    /// A start given several <c>--model</c> directories, a later one of which does not load: the models loaded before it
    /// were pinned in a cache nothing held once the start was refused, so their sessions were never disposed. They are
    /// now, each once, before the refusal naming the directory at fault comes back.
    /// </summary>
    [Fact]
    public void ARefusedModelDirectoryUnloadsTheModelsLoadedBeforeIt()
    {
        string first = Path.Combine(_tiny.Root, "loads-first", "sentiment"), second = Path.Combine(_tiny.Root, "loads-second", "topic");
        ToyClassifierModel.Write(first, ToyClassifierModel.Sentiment);
        ToyClassifierModel.Write(second, ToyClassifierModel.Topic);
        string missing = Path.Combine(_tiny.Root, "no-such-model");
        var options = new FineTuningServiceOptions { StoreDirectory = Path.Combine(_tiny.Root, "unused-store"), ModelDirectories = [first, second, missing], Classifier = SingleThreaded };
        var disposals = new ConcurrentDictionary<string, int>();

        var refused = Assert.Throws<UserInputException>(() => new ServedModels(options, (id, directory) =>
        {
            var loaded = ServedModels.Load(id, directory, SingleThreaded);
            loaded.Served.AfterDispose(() => disposals.AddOrUpdate(id, 1, (_, n) => n + 1));
            return loaded;
        }));

        Assert.Equal($"--model {missing}: model directory does not exist", refused.Message);
        Assert.Equal(new Dictionary<string, int> { ["sentiment"] = 1, ["topic"] = 1 }, disposals.OrderBy(d => d.Key).ToDictionary());
    }

    internal static FineTuningServiceOptions Options(FineTuningStore store, int maxLoadedModels = 8, IReadOnlyList<string>? modelDirectories = null) => new()
    {
        StoreDirectory = store.Directory,
        ModelDirectories = modelDirectories ?? [],
        Classifier = SingleThreaded,
        MaxLoadedModels = maxLoadedModels,
    };

    /// <summary>What a route or tool says of fine-tuned model <paramref name="model"/> once it was deleted.</summary>
    internal static string DeletedModelMessage(string model, string jobId) =>
        $"model '{model}' was deleted; fine-tuning job {jobId} made it, and it is served no more: fine-tune again to train a model like it";

    /// <summary>A succeeded job <c>ftjob-…<paramref name="name"/></c> whose model is a toy classifier, the sentiment one unless <paramref name="spec"/> says.</summary>
    internal static (JobRecord Job, string Model) AddFineTunedModel(FineTuningStore store, string name = "racing", ToyModelSpec? spec = null)
    {
        string jobId = $"ftjob-{name.PadLeft(26, '0')}", model = $"ft:tiny:race:{jobId}";
        var job = new JobRecord
        {
            Id = jobId, CreatedAt = FineTuningStore.Now(), Model = "tiny", TrainingFile = "file-none", Seed = 1, NEpochs = 1, BatchSize = 1,
            LearningRateMultiplier = 1, Status = JobStatus.Succeeded,
        };
        store.AddJob(job);
        job = job with { FineTunedModel = model, FinishedAt = FineTuningStore.Now() };
        store.UpdateJob(job);
        ToyClassifierModel.Write(store.ModelDirectory(jobId), spec ?? ToyClassifierModel.Sentiment);
        return (job, model);
    }

    /// <summary>A store with two fine-tuned toy models, sentiment (<see cref="First"/>) and topic (<see cref="Second"/>), served under a bound with every load logged.</summary>
    internal sealed class TwoModels : IDisposable
    {
        public TwoModels(string storeDirectory, int maxLoadedModels)
        {
            Store = FineTuningStore.Open(storeDirectory);
            First = AddFineTunedModel(Store, "first").Model;
            Second = AddFineTunedModel(Store, "second", ToyClassifierModel.Topic).Model;
            Models = new ServedModels(Store, Options(Store, maxLoadedModels), Log.Load);
        }

        public FineTuningStore Store { get; }

        public LoadLog Log { get; } = new();

        public ServedModels Models { get; }

        public string First { get; }

        public string Second { get; }

        public void Dispose()
        {
            Models.Dispose();
            Store.Dispose();
        }
    }

    /// <summary>Loads models as the service does and keeps each load, so a test sees which were loaded, and again.</summary>
    internal sealed class LoadLog
    {
        private readonly ConcurrentQueue<LoadedModel> _loads = new();

        public IReadOnlyList<string> Ids => [.. _loads.Select(loaded => loaded.Id)];

        public LoadedModel Last(string id) => _loads.Last(loaded => loaded.Id == id);

        public LoadedModel Load(string id, string directory)
        {
            var loaded = ServedModels.Load(id, directory, SingleThreaded);
            _loads.Enqueue(loaded);
            return loaded;
        }
    }

    /// <summary>
    /// Loads models as the service does, but holds the first load open, after the classifier is loaded and before the
    /// cache has it, until <see cref="Open"/>; later loads run straight through.
    /// </summary>
    internal sealed class LoadGate : IDisposable
    {
        private readonly TaskCompletionSource<LoadedModel> _firstLoaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _open = new();
        private int _loads;

        public Task<LoadedModel> FirstLoaded => _firstLoaded.Task;

        public int Loads => Volatile.Read(ref _loads);

        public LoadedModel Load(string id, string directory)
        {
            var loaded = ServedModels.Load(id, directory, SingleThreaded);
            if (Interlocked.Increment(ref _loads) == 1)
            {
                _firstLoaded.SetResult(loaded);
                if (!_open.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("the test never opened the gate");
            }
            return loaded;
        }

        public void Open() => _open.Set();

        public void Dispose() => _open.Dispose();
    }
}
