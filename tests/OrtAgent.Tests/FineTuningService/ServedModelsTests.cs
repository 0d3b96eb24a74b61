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
/// good once unloaded, even while that load runs; once the service stops, not at all; no more than its bound at once,
/// the least recently used going first; never to list them.
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
    /// A model deleted while its first load ran: the unload saw no loaded model and released nothing, the load then
    /// served the deleted model to the request that started it, and its classifier was never disposed. The load is
    /// held open by a gate, so the unload comes in the middle of it every time.
    /// </summary>
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
    /// Every fine-tuned model used stayed loaded until it was deleted, so a service's memory grew with each model its
    /// jobs made. Beyond the bound the least recently used is unloaded (not the first loaded: the first is used again
    /// in between), its classifier freed, and the next request for it loads it again and is answered by it.
    /// </summary>
    [Fact]
    public async Task BeyondTheBoundTheLeastRecentlyUsedModelIsUnloadedAndLoadedAgainWhenAskedFor()
    {
        using var served = new TwoModels(Path.Combine(_tiny.Root, "bounded-store"), maxLoadedModels: 2);
        var (models, log, first, second) = (served.Models, served.Log, served.First, served.Second);
        var (_, third) = AddFineTunedModel(served.Store, "third");

        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));
        Assert.Equal("food", await PredictAsync(models, second, "the pizza was great"));
        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));
        Assert.Equal("negative", await PredictAsync(models, third, "the movie was awful"));

        Assert.Equal([first, second, third], log.Ids);
        Assert.Throws<ObjectDisposedException>(() => log.Last(second).Served.Classifier.PredictBatch(["the pizza was great"]));
        Assert.Equal("positive", log.Last(first).Served.Classifier.PredictBatch(["the movie was great"])[0].Label);

        Assert.Equal("food", await PredictAsync(models, second, "the pizza was great"));
        Assert.Equal([first, second, third, second], log.Ids);
        Assert.Throws<ObjectDisposedException>(() => log.Last(first).Served.Classifier.PredictBatch(["the movie was great"]));
        Assert.Equal("negative", await PredictAsync(models, third, "the movie was awful"));
        Assert.Equal(4, log.Ids.Count);
    }

    /// <summary>
    /// A model evicted while a request holds it answers that request: the eviction drops only the cache's reference, so
    /// its classifier is freed when the request releases its own, and the next request loads the model again. Its
    /// session counts against the bound until then: the load that evicted it waits for it to go.
    /// </summary>
    [Fact]
    public async Task AModelEvictedWhileARequestUsesItAnswersThatRequestAndIsFreedBeforeTheNextLoads()
    {
        using var served = new TwoModels(Path.Combine(_tiny.Root, "evicted-store"), maxLoadedModels: 1);
        var (models, log, first, second) = (served.Models, served.Log, served.First, served.Second);

        var inFlight = await models.AcquireAsync(first);
        var secondAnswer = Task.Run(() => PredictAsync(models, second, "the pizza was great"));
        Assert.Equal("positive", inFlight.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        Assert.Equal([first], log.Ids);   // a bound of 1 holds the one session in use
        inFlight.Served.Release();

        Assert.Equal("food", await secondAnswer.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Throws<ObjectDisposedException>(() => inFlight.Served.Classifier.PredictBatch(["the movie was great"]));
        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));
        Assert.Equal([first, second, first], log.Ids);
    }

    /// <summary>
    /// The bound was checked only after a load: first requests for more models than it, at once, each started a load
    /// and the cache held them all until they finished. Five first requests under a bound of 2, the first two loads held
    /// until both have started so the others arrive while they run: no load starts while two other sessions are alive,
    /// and each request is answered by its model.
    /// </summary>
    [Fact]
    public async Task FirstRequestsForMoreModelsThanTheBoundAtOnceNeverHaveMoreSessionsAlive()
    {
        const int bound = 2;
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "concurrent-store"));
        string[] ids = [.. Enumerable.Range(0, 5).Select(i => AddFineTunedModel(store, $"concurrent{i}").Model)];
        using var sessions = new SessionCount(holdFirst: bound);
        using var models = new ServedModels(store, Options(store, maxLoadedModels: bound), sessions.Load);

        var answers = await Task.WhenAll(ids.Select(id => Task.Run(() => PredictAsync(models, id, "the movie was great")))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(answers, answer => Assert.Equal("positive", answer));
        Assert.Equal(ids.Length, sessions.Loads);
        Assert.True(sessions.MostAlive <= bound, $"{sessions.MostAlive} sessions were alive at once under a bound of {bound}");
    }

    /// <summary>
    /// A load that has evicted a model in use may then evict only idle ones, and one falling idle (its request released,
    /// the model still loaded) told it nothing: it slept until its 30 s ran out and answered 503, while an idle model
    /// held the slot it needed. The clean-clone CI's concurrent test met it once. Under a bound of 2, both models in use:
    /// the waiter evicts the least recently used one (still answering its request, so its slot stays taken), then waits;
    /// the other request ends, and the waiter evicts that idle model and loads its own.
    /// </summary>
    [Fact]
    public async Task ALoadWaitingAfterEvictingAModelInUseTakesTheSlotOfOneThatFallsIdle()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "idle-store"));
        string[] ids = [.. Enumerable.Range(0, 3).Select(i => AddFineTunedModel(store, $"idle{i}").Model)];
        using var sessions = new SessionCount(holdFirst: 0);
        using var models = new ServedModels(store, Options(store, maxLoadedModels: 2), sessions.Load);
        var first = await models.AcquireAsync(ids[0]);
        var second = await models.AcquireAsync(ids[1]);

        var waiter = models.AcquireAsync(ids[2]);
        Assert.False(waiter.IsCompleted, "the third model loaded while both slots were taken");
        second.Served.Release();

        var third = await waiter.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("positive", third.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        Assert.Equal("positive", first.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        third.Served.Release();
        first.Served.Release();
        Assert.True(sessions.MostAlive <= 2, $"{sessions.MostAlive} sessions were alive at once under a bound of 2");
    }

    /// <summary>
    /// A load waiting for a slot (the one slot held by a request in flight) stops when its request is cancelled, when
    /// the service begins to stop (503 service_stopping, while the request in flight still answers) and when the models
    /// are disposed, and loads nothing.
    /// </summary>
    [Fact]
    public async Task ALoadWaitingForASlotStopsWhenItsRequestIsCancelledOrTheServiceStops()
    {
        using var served = new TwoModels(Path.Combine(_tiny.Root, "waiting-store"), maxLoadedModels: 1);
        var (models, log, first, second) = (served.Models, served.Log, served.First, served.Second);
        var inFlight = await models.AcquireAsync(first);

        using var hangUp = new CancellationTokenSource();
        var cancelled = models.AcquireAsync(second, cancellationToken: hangUp.Token);
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));

        var waitingAtStop = models.AcquireAsync(second);
        models.StopWaiting();
        Assert.Equal("service_stopping", (await Assert.ThrowsAsync<OpenAIApiException>(() => waitingAtStop.WaitAsync(TimeSpan.FromSeconds(30)))).Code);
        Assert.Equal("positive", inFlight.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);
        Assert.Equal([first], log.Ids);
        inFlight.Served.Release();

        using var disposed = new TwoModels(Path.Combine(_tiny.Root, "disposed-store"), maxLoadedModels: 1);
        var held = await disposed.Models.AcquireAsync(disposed.First);
        var waitingAtDispose = disposed.Models.AcquireAsync(disposed.Second);
        disposed.Models.Dispose();
        Assert.Equal("service_stopping", (await Assert.ThrowsAsync<OpenAIApiException>(() => waitingAtDispose.WaitAsync(TimeSpan.FromSeconds(30)))).Code);
        Assert.Equal([disposed.First], disposed.Log.Ids);
        held.Served.Release();
    }

    /// <summary>
    /// A load waiting for a slot blocked its thread for up to <see cref="ServedModels.SlotWait"/>: first requests for
    /// more models than the bound each parked a pool thread, while the requests whose end frees a slot need pool threads
    /// to finish, so they ran into the 503s. Twenty-four first requests under a bound of 2, both slots held by requests in
    /// flight: each wait comes back to its caller unfinished, on the caller's thread, so it holds none; once the two in
    /// flight end, every waiter is answered by its model, and no more than two sessions were ever alive.
    /// </summary>
    [Fact]
    public async Task LoadsWaitingForASlotHoldNoThreadAndAreAnsweredAsSlotsFree()
    {
        const int bound = 2, waiters = 24;
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "waiters-store"));
        string[] ids = [.. Enumerable.Range(0, bound + waiters).Select(i => AddFineTunedModel(store, $"waiter{i}").Model)];
        using var sessions = new SessionCount(holdFirst: 0);
        using var models = new ServedModels(store, Options(store, maxLoadedModels: bound), sessions.Load);
        var inFlight = new List<LoadedModel>();
        foreach (var id in ids[..bound]) inFlight.Add(await models.AcquireAsync(id));

        var waiting = new List<Task<LoadedModel>>();
        foreach (var id in ids[bound..])
        {
            var wait = models.AcquireAsync(id);
            Assert.False(wait.IsCompleted, $"the request for {id} did not come back to its caller while it waited for a slot");
            waiting.Add(wait);
        }
        Assert.Equal(bound, sessions.Loads);
        foreach (var model in inFlight) model.Served.Release();

        var answers = await Task.WhenAll(waiting.Select(async wait =>
        {
            var loaded = await wait;
            try
            {
                return loaded.Served.Classifier.PredictBatch(["the movie was great"])[0].Label;
            }
            finally
            {
                loaded.Served.Release();
            }
        })).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(answers, answer => Assert.Equal("positive", answer));
        Assert.Equal(bound + waiters, sessions.Loads);
        Assert.True(sessions.MostAlive <= bound, $"{sessions.MostAlive} sessions were alive at once under a bound of {bound}");
    }

    /// <summary>
    /// A load woken by the service beginning to stop looked for a model to evict before it looked at the stop: a model
    /// that had gone idle while it waited was unloaded, and the slot that freed started a load in a stopping service.
    /// Under a bound of 2, both models held by requests in flight, the load of a third evicts the one of them it may
    /// and waits; the other request ends, leaving its model idle; the stop now answers the waiting load 503
    /// service_stopping at once, and the idle model stays loaded.
    /// </summary>
    [Fact]
    public async Task ALoadWokenByTheStopEvictsNothingAndLoadsNothing()
    {
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "woken-store"));
        string[] ids = [.. Enumerable.Range(0, 3).Select(i => AddFineTunedModel(store, $"woken{i}").Model)];
        var log = new LoadLog();
        using var models = new ServedModels(store, Options(store, maxLoadedModels: 2), log.Load);
        var evictedInFlight = await models.AcquireAsync(ids[0]);
        var idleSoon = await models.AcquireAsync(ids[1]);

        var waiting = models.AcquireAsync(ids[2]);
        Assert.False(waiting.IsCompleted);
        idleSoon.Served.Release();
        models.StopWaiting();

        var refused = await Assert.ThrowsAsync<OpenAIApiException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("service_stopping", refused.Code);
        Assert.Equal([ids[0], ids[1]], log.Ids);
        Assert.Equal("positive", idleSoon.Served.Classifier.PredictBatch(["the movie was great"])[0].Label);   // the cache's reference keeps it
        evictedInFlight.Served.Release();
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
            $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"text {i}\"}}, {{\"role\": \"assistant\", \"content\": \"{(i % 2 == 0 ? "a" : "b")}\"}}]}}\n");
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
        Assert.Equal($"training_file has labels a, b; continuing {model} needs exactly its labels negative, positive", error.GetProperty("message").GetString());
        Assert.Equal(0, service.App.Services.GetRequiredService<ServedModels>().SessionsAlive);
    }

    /// <summary>
    /// The <c>--model</c> directories are outside the bound: only fine-tuned models are evicted. Evicted, a <c>--model</c>
    /// one could never come back, as it is not a fine-tuned model the store can load again.
    /// </summary>
    [Fact]
    public async Task AModelGivenAtStartStaysLoadedWhateverTheFineTunedModelsDo()
    {
        var given = Path.Combine(_tiny.Root, "given-at-start");
        ToyClassifierModel.Write(given, ToyClassifierModel.Topic);
        using var store = FineTuningStore.Open(Path.Combine(_tiny.Root, "pinned-store"));
        var (_, first) = AddFineTunedModel(store, "first");
        var (_, second) = AddFineTunedModel(store, "second");
        var log = new LoadLog();
        using var models = new ServedModels(store, Options(store, maxLoadedModels: 1, modelDirectories: [given]), log.Load);

        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));
        Assert.Equal("negative", await PredictAsync(models, second, "the movie was awful"));
        Assert.Equal("positive", await PredictAsync(models, first, "the movie was great"));

        Assert.Equal(["given-at-start", first, second, first], log.Ids);
        Assert.Equal("food", log.Last("given-at-start").Served.Classifier.PredictBatch(["the pizza was great"])[0].Label);
        Assert.Equal("food", await PredictAsync(models, "given-at-start", "the pizza was great"));
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

    private static async Task<string> PredictAsync(ServedModels models, string id, string text)
    {
        var loaded = await models.AcquireAsync(id);
        try
        {
            return loaded.Served.Classifier.PredictBatch([text])[0].Label;
        }
        finally
        {
            loaded.Served.Release();
        }
    }

    internal static FineTuningServiceOptions Options(FineTuningStore store, int maxLoadedModels = 8, IReadOnlyList<string>? modelDirectories = null) => new()
    {
        StoreDirectory = store.Directory,
        ModelDirectories = modelDirectories ?? [],
        Classifier = SingleThreaded,
        MaxLoadedModels = maxLoadedModels,
    };

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
    private sealed class TwoModels : IDisposable
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
    private sealed class LoadLog
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
    /// Loads models as the service does and counts, as each load starts, the sessions alive: the earlier loads whose
    /// classifier is not yet disposed, those in progress, and this one. The first <c>holdFirst</c> loads wait until
    /// they have all started, so the requests after them come while they run.
    /// </summary>
    private sealed class SessionCount(int holdFirst) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<LoadedModel> _loaded = [];
        private readonly CountdownEvent _held = new(holdFirst);
        private int _loading;
        private int _mostAlive;

        public int Loads { get { lock (_gate) return _loaded.Count; } }

        public int MostAlive => Volatile.Read(ref _mostAlive);

        public LoadedModel Load(string id, string directory)
        {
            bool held;
            lock (_gate)
            {
                int alive = _loaded.Count(loaded => !IsDisposed(loaded)) + ++_loading;
                _mostAlive = Math.Max(_mostAlive, alive);
                held = _loaded.Count + _loading <= holdFirst;
            }
            var model = ServedModels.Load(id, directory, SingleThreaded);
            if (held)
            {
                _held.Signal();
                if (!_held.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException($"fewer than {holdFirst} loads started");
            }
            lock (_gate)
            {
                _loading--;
                _loaded.Add(model);
            }
            return model;
        }

        private static bool IsDisposed(LoadedModel loaded)
        {
            try
            {
                _ = loaded.Served.Classifier.PredictBatch(["probe"]);
                return false;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        }

        public void Dispose() => _held.Dispose();
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
