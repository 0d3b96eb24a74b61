using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Models;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// <c>serve --fine-tuning</c> had no <c>/explain</c> or <c>/info</c>: an app that trained through the API could not get
/// the attributions plain <c>serve</c> gives. It now answers both with serve's shapes, choosing the model by
/// <c>model</c>. The service here serves two <c>--model</c> directories: <c>sentiment</c>, with its explain graph, and
/// <c>no-explain</c>, without one.
/// </summary>
public sealed class ServiceModelRoutesTests(ServiceModelRoutesTests.Service fixture) : IClassFixture<ServiceModelRoutesTests.Service>
{
    private HttpClient Http => fixture.Running.Http;

    [Fact]
    public async Task ExplainAnswersServesShapeForTheNamedModel()
    {
        using var response = await Http.PostAsJsonAsync("/explain", new { inputs = "the movie was great", model = "sentiment" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var explanation = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("positive", explanation.GetProperty("label").GetString());
        Assert.False(explanation.GetProperty("truncated").GetBoolean());
        // "great" carries the whole positive logit of [CLS] the movie was great [SEP]: 6 / 6 tokens.
        var great = explanation.GetProperty("words").EnumerateArray().Single(w => w.GetProperty("text").GetString() == "great");
        Assert.Equal(1.0, great.GetProperty("attribution").GetDouble(), 4);

        using var batch = await Http.PostAsJsonAsync("/explain", new { inputs = new[] { "boring", "great" }, model = "sentiment" });
        Assert.Equal(["negative", "positive"], (await batch.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(e => e.GetProperty("label").GetString()));
    }

    [Theory]
    [InlineData("""{"inputs": "great"}""", HttpStatusCode.BadRequest, "validation", "name the model with \"model\": one of sentiment, no-explain")]
    [InlineData("""{"inputs": "great", "model": "nope"}""", HttpStatusCode.NotFound, "not_found", "model 'nope' does not exist")]
    [InlineData("""{"inputs": "great", "model": ""}""", HttpStatusCode.BadRequest, "validation", "\"model\" is empty: name a served model, or leave \"model\" out for the server's default")]
    [InlineData("""{"inputs": "great", "model": "tiny"}""", HttpStatusCode.BadRequest, "validation", "'tiny' is a base encoder without a classifier head; fine-tune it first and use the fine-tuned model")]
    [InlineData("""{"inputs": "great", "model": "sentiment", "label": "neutral"}""", HttpStatusCode.UnprocessableEntity, "validation", "\"label\" 'neutral'")]
    [InlineData("""{"inputs": "great", "model": "sentiment", "steps": 0}""", HttpStatusCode.UnprocessableEntity, "validation", "\"steps\" is 0; it must be between 1 and ")]
    [InlineData("""{"inputs": "great", "model": "no-explain"}""", HttpStatusCode.Conflict, "no_explain_graph", "explanations of the model 'no-explain' are not available: ")]
    public async Task AnExplainThatCannotBeAnsweredIsA4xxInServesBody(string body, HttpStatusCode status, string type, string message)
    {
        using var response = await Http.PostAsync("/explain", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(status, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(type, error.GetProperty("error_type").GetString());
        Assert.StartsWith(message, error.GetProperty("error").GetString());
        // The server's paths go to its log, not to its clients.
        Assert.DoesNotContain(fixture.Tiny.Root, error.GetProperty("error").GetString());
    }

    /// <summary>
    /// /explain waits in the queue MCP's explain_text shares: with its places taken, it is told to come back. A model it
    /// could never explain is told as such first: an unknown model or a base encoder was a 429 while the queue was full.
    /// </summary>
    [Fact]
    public async Task ExplainSharesTheServersExplanationQueue()
    {
        var queue = fixture.Running.App.Services.GetRequiredService<ExplanationQueue>();
        int taken = 0;
        try
        {
            while (taken < queue.Capacity && queue.TryEnter()) taken++;
            Assert.Equal(queue.Capacity, taken);

            using var response = await Http.PostAsJsonAsync("/explain", new { inputs = "great", model = "sentiment" });

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("too_many_explanations", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString());
            using var unknown = await Http.PostAsJsonAsync("/explain", new { inputs = "great", model = "nope" });
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            using var baseEncoder = await Http.PostAsJsonAsync("/explain", new { inputs = "great", model = "tiny" });
            Assert.Equal(HttpStatusCode.BadRequest, baseEncoder.StatusCode);
            // A text with nothing in it is the client's mistake whatever the queue: a 400, not a 429 (nor a model loaded).
            using var nothing = await Http.PostAsJsonAsync("/explain", new { inputs = "\u200b", model = "sentiment" });
            Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
            Assert.Equal("empty", (await nothing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString());
        }
        finally
        {
            for (; taken > 0; taken--) queue.Leave();
        }
    }

    /// <summary>
    /// An /explain waiting its turn held its model, so waiting requests pinned the service's loaded models, and a model
    /// deleted meanwhile was explained from files gone: a 409 <c>no_explain_graph</c> saying it was replaced. It takes the
    /// model only once its turn comes, and a model deleted while it waited is the 404 of any model not served, whether
    /// its files went (DELETE) or stayed (a delete whose folder could not go yet: the waiting request explained it).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AModelDeletedWhileItsExplanationWaitsIsA404(bool filesGo)
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, $"deleting-store-{filesGo}"), fixture.Tiny.BaseModel);
        var store = service.App.Services.GetRequiredService<FineTuningStore>();
        var (job, model) = ServedModelsTests.AddFineTunedModel(store, "deleted");
        ModelExporter.AddExplainGraph(store.ModelDirectory(job.Id));
        // Loaded beforehand, so the request reaches its wait for the running place as soon as it has its queue place.
        (await service.App.Services.GetRequiredService<ServedModels>().AcquireAsync(model)).Served.Release();
        var queue = service.App.Services.GetRequiredService<ExplanationQueue>();
        var turn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The running place held, as a long explanation holds it, and every queue place but one taken.
        var running = queue.RunAsync(() => turn.Task, CancellationToken.None);
        int taken = 0;
        try
        {
            while (taken < queue.Capacity - 1 && queue.TryEnter()) taken++;
            var waiting = service.Http.PostAsJsonAsync("/explain", new { inputs = "the movie was great", model });
            Assert.True(await Eventually.ReturnsAsync(() => Task.FromResult(IsFull(queue)), full => full, TimeSpan.FromSeconds(30)));

            if (filesGo)
            {
                using var deleted = await service.Http.DeleteAsync($"/v1/models/{model}");
                Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            }
            else
            {
                store.UpdateJob(job with { ModelDeleted = true });   // as DELETE does before it unloads and removes the folder
                service.App.Services.GetRequiredService<ServedModels>().Unload(model);
            }
            turn.SetResult(0);
            await running;

            using var response = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("not_found", error.GetProperty("error_type").GetString());
            Assert.Equal(ServedModelsTests.DeletedModelMessage(model, job.Id), error.GetProperty("error").GetString());
        }
        finally
        {
            turn.TrySetResult(0);
            for (; taken > 0; taken--) queue.Leave();
        }
    }

    private static bool IsFull(ExplanationQueue queue)
    {
        if (!queue.TryEnter()) return true;
        queue.Leave();
        return false;
    }

    /// <summary>
    /// The service's <c>/predict</c> reads and answers as serve's does: <c>"truncate": false</c> refuses an input longer
    /// than the model reads (it was cut silently), and a body declared as a form is refused (it was read as JSON).
    /// </summary>
    [Fact]
    public async Task PredictRefusesALongInputWithTruncateFalseAndABodyNotSentAsJson()
    {
        string longText = string.Join(' ', Enumerable.Repeat("great", 40));
        using var refused = await Http.PostAsJsonAsync("/predict", new { inputs = new[] { "boring", longText }, model = "sentiment", truncate = false });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        var error = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation", error.GetProperty("error_type").GetString());
        Assert.StartsWith("inputs[1] must have at most 32 tokens, the model's maximum length; given: 42. ", error.GetProperty("error").GetString());

        using var cut = await Http.PostAsJsonAsync("/predict", new { inputs = new[] { "boring", longText }, model = "sentiment" });
        Assert.Equal(HttpStatusCode.OK, cut.StatusCode);
        Assert.Equal("1", Assert.Single(cut.Headers.GetValues("X-Truncated-Inputs")));

        using var form = await Http.PostAsync("/predict", new StringContent("""{"inputs": "great", "model": "sentiment"}""", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal("validation", (await form.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString());
    }

    /// <summary>The service's <c>/predict</c> refuses an input its model's tokenizer makes no token of, as serve's does.</summary>
    [Fact]
    public async Task PredictRefusesAnInputOfOnlyDroppedCharacters()
    {
        using var refused = await Http.PostAsJsonAsync("/predict", new { inputs = new[] { "boring", "\u200b" }, model = "sentiment" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("empty", error.GetProperty("error_type").GetString());
        Assert.Equal("inputs[1] has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)", error.GetProperty("error").GetString());
        // The model taken for the check was let go: the next request is answered.
        using var answered = await Http.PostAsJsonAsync("/predict", new { inputs = "boring", model = "sentiment" });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    /// <summary>
    /// The refusal above lets go of the model it took for the check, which the next request being answered does not show:
    /// a lease left behind slows nothing, it only keeps an evicted or deleted model's session alive for good. Right after
    /// the refusal the model has no user but this test's own lease.
    /// </summary>
    [Fact]
    public async Task PredictsRefusalOfAnInputWithNoTokenReleasesTheModelItTook()
    {
        string directory = Path.Combine(fixture.Tiny.Root, "leased");
        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        // A service of its own, so no other request of this class can hold the model while its users are counted.
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "lease-store"), fixture.Tiny.BaseModel, modelDirectories: [directory]);

        // The endpoint releases before it writes the refusal, so the release is done once the answer is here.
        using var refused = await service.Http.PostAsJsonAsync("/predict", new { inputs = new[] { "boring", "\u200b" }, model = "leased" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var model = await service.App.Services.GetRequiredService<ServedModels>().AcquireAsync("leased");
        Assert.True(model.Served.HasUsers);   // this test's lease
        model.Served.Release();
        Assert.False(model.Served.HasUsers);  // and none left by the refused request
    }

    [Fact]
    public async Task InfoDescribesTheModelNamedInTheQuery()
    {
        using var response = await Http.GetAsync("/info?model=sentiment");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var info = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sentiment", info.GetProperty("model").GetString());
        Assert.Equal(["negative", "positive"], info.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(32, info.GetProperty("max_length").GetInt32());
        Assert.Equal("toy-bag-of-words", info.GetProperty("base_model").GetString());
        Assert.Equal(20_000, info.GetProperty("max_chars_per_input").GetInt32());
        // The service micro-batches each model's /predict as serve does, and never reloads a model.
        Assert.Equal(32, info.GetProperty("max_batch").GetInt32());
        Assert.Equal(5, info.GetProperty("max_wait_ms").GetInt32());
        Assert.False(info.TryGetProperty("reloads", out _));
    }

    [Theory]
    [InlineData("/info", HttpStatusCode.BadRequest, "name the model with \"model\": one of sentiment, no-explain")]
    [InlineData("/info?model=nope", HttpStatusCode.NotFound, "model 'nope' does not exist")]
    [InlineData("/info?model=", HttpStatusCode.BadRequest, "\"model\" is empty: name a served model, or leave \"model\" out for the server's default")]
    [InlineData("/info?model=sentiment&model=no-explain", HttpStatusCode.BadRequest, "the query names 2 models; /info describes one: ?model=NAME")]
    public async Task AnInfoThatCannotBeAnsweredIsA4xxInServesBody(string path, HttpStatusCode status, string message)
    {
        using var response = await Http.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(message, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    /// <summary>
    /// HEAD was a 405 everywhere but /health: load balancers and link checkers probe with it. Every GET route answers it
    /// with GET's status, a refusal's included. (Kestrel sends no body for a HEAD, and HttpClient reads none, so no
    /// assertion here could see one; the file content route's length is checked in FilesApiTests.)
    /// </summary>
    [Theory]
    [InlineData("/info?model=sentiment", HttpStatusCode.OK)]
    [InlineData("/metrics", HttpStatusCode.OK)]
    [InlineData("/health", HttpStatusCode.OK)]
    [InlineData("/v1/models", HttpStatusCode.OK)]
    [InlineData("/v1/models/sentiment", HttpStatusCode.OK)]
    [InlineData("/v1/files", HttpStatusCode.OK)]
    [InlineData("/v1/fine_tuning/jobs", HttpStatusCode.OK)]
    [InlineData("/v1/files/file-missing", HttpStatusCode.NotFound)]
    [InlineData("/v1/fine_tuning/jobs/ftjob-missing/events", HttpStatusCode.NotFound)]
    [InlineData("/info?model=nope", HttpStatusCode.NotFound)]
    public async Task HeadIsAnsweredWhereverGetIs(string path, HttpStatusCode status)
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(status, response.StatusCode);
    }

    /// <summary>
    /// The model list wrote "first_id": null and "last_id": null beside a full data. OpenAI's model list is
    /// {"object": "list", "data": [...]}, with no cursors, as it takes no after: they are gone; has_more stays, false, as
    /// on every list of this service.
    /// </summary>
    [Fact]
    public async Task TheModelListIsOpenAIsWithNoNullCursors()
    {
        var list = await Http.GetFromJsonAsync<JsonElement>("/v1/models");

        Assert.Equal(["data", "has_more", "object"], list.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.False(list.GetProperty("has_more").GetBoolean());
        Assert.Contains("sentiment", list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task HeadOnAPostRouteIsStillA405()
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/explain"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["POST"], response.Content.Headers.Allow);
    }

    /// <summary>A service with the tiny base model and the two <c>--model</c> directories.</summary>
    public sealed class Service : IAsyncLifetime
    {
        internal TinyTrainingFixture Tiny { get; } = new();

        internal ServiceUnderTest Running { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var sentiment = Path.Combine(Tiny.Root, "sentiment");
            ToyClassifierModel.Write(sentiment, ToyClassifierModel.Sentiment);
            ModelExporter.AddExplainGraph(sentiment);
            var noExplain = Path.Combine(Tiny.Root, "no-explain");
            ToyClassifierModel.Write(noExplain, ToyClassifierModel.Sentiment);
            Running = await ServiceUnderTest.StartAsync(Path.Combine(Tiny.Root, "store"), Tiny.BaseModel, modelDirectories: [sentiment, noExplain]);
        }

        public async Task DisposeAsync()
        {
            await Running.DisposeAsync();
            Tiny.Dispose();
        }
    }
}
