using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrtAgent.Tests.Mcp;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// <c>POST /explain</c> against a real server running the toy sentiment model with its explain graph. The toy model is
/// linear in the word embeddings (masked mean, identity layer), so integrated gradients are exact: in "the movie was
/// great", "great" carries the whole positive logit, 6 / 6 tokens = 1, and every other word 0.
/// </summary>
public sealed class ExplainEndpointTests : IAsyncLifetime
{
    private ServerUnderTest _server = null!;

    public async Task InitializeAsync() => _server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d)));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static Func<string, OrtAgent.Serving.ServingOptions> WithExplainGraph(Func<string, OrtAgent.Serving.ServingOptions> options) => directory =>
    {
        ModelExporter.AddExplainGraph(directory);
        return options(directory);
    };

    [Fact]
    public async Task SingleTextGetsWordsWithOffsetsAndExactAttributions()
    {
        using var response = await _server.PostJsonAsync("/explain", """{"inputs": "the movie was great", "steps": 4}""");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal("positive", root.GetProperty("label").GetString());
        var words = root.GetProperty("words").EnumerateArray().ToList();
        Assert.Equal(["the", "movie", "was", "great"], words.Select(w => w.GetProperty("text").GetString()));
        Assert.Equal([0, 4, 10, 14], words.Select(w => w.GetProperty("start").GetInt32()));
        Assert.Equal([0, 0, 0, 1.0], words.Select(w => Math.Round(w.GetProperty("attribution").GetDouble(), 4)));
        Assert.Equal(1.0, root.GetProperty("input_logit").GetDouble(), 4);
        Assert.Equal(0.0, root.GetProperty("baseline_logit").GetDouble(), 4);
        Assert.Equal(0.0, root.GetProperty("completeness_gap").GetDouble(), 4);
        Assert.DoesNotMatch(@":-0[,}]", body);   // a tiny negative rounds to 0, not -0
    }

    /// <summary>
    /// The body was written with the relaxed encoder, which left U+202E as it was: a client printing the answer (curl in
    /// a terminal) had its line turned around. It is escaped; markup, quotes and accents stay readable.
    /// </summary>
    [Fact]
    public async Task BidiControlsInTheTextAreEscapedInTheBody()
    {
        using var response = await _server.PostJsonAsync("/explain", """{"inputs": "great \u202Emovie <b>l'été</b>", "steps": 2}""");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.DoesNotContain('\u202E', body);
        Assert.Contains("\"text\":\"great \\u202Emovie <b>l'été</b>\"", body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("great \u202Emovie <b>l'été</b>", json.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task BatchAnswersInOrderAndLabelChoosesTheExplainedLogit()
    {
        using var response = await _server.PostJsonAsync("/explain",
            """{"inputs": ["the film was awful", "i love this book"], "label": "negative", "baseline": "mask", "steps": 2}""");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var answers = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.Equal("negative", a.GetProperty("label").GetString()));
        Assert.Equal(["negative", "positive"], answers.Select(a => a.GetProperty("predicted_label").GetString()));
        Assert.Equal("mask", answers[0].GetProperty("baseline").GetString());
        // Six tokens, "awful" scores 6 on negative: 1.0; "love" scores 0 on negative: nothing.
        Assert.Equal(1.0, answers[0].GetProperty("words")[3].GetProperty("attribution").GetDouble(), 4);
        Assert.All(answers[1].GetProperty("words").EnumerateArray(), w => Assert.Equal(0.0, w.GetProperty("attribution").GetDouble(), 4));
    }

    [Theory]
    [InlineData("""{"inputs": "good", "label": "happy"}""", HttpStatusCode.UnprocessableEntity, "validation", "happy")]
    [InlineData("""{"inputs": "good", "steps": 0}""", HttpStatusCode.UnprocessableEntity, "validation", "\"steps\" is 0")]
    [InlineData("""{"inputs": "good", "steps": 100000}""", HttpStatusCode.UnprocessableEntity, "validation", "between 1 and 256")]
    [InlineData("""{"inputs": "good", "steps": "many"}""", HttpStatusCode.BadRequest, "validation", "whole number")]
    [InlineData("""{"inputs": "good", "steps": 100000000000}""", HttpStatusCode.UnprocessableEntity, "validation", "\"steps\" is 100000000000; it must be a whole number between 1 and 256")]
    [InlineData("""{"inputs": "good", "steps": 32.5}""", HttpStatusCode.UnprocessableEntity, "validation", "\"steps\" is 32.5; it must be a whole number")]
    [InlineData("""{"inputs": "good", "baseline": "zeros"}""", HttpStatusCode.BadRequest, "validation", "\"pad\" or \"mask\"")]
    [InlineData("""{"inputs": "good", "label": 3}""", HttpStatusCode.BadRequest, "validation", "\"label\" must be a string")]
    [InlineData("""{"inputs": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}""", HttpStatusCode.RequestEntityTooLarge, "validation", "at most 8")]
    [InlineData("""{"inputs": ""}""", HttpStatusCode.BadRequest, "empty", "empty string")]
    // Ignored until 2026-12-06: the predicted label was explained, or 32 steps taken, whatever the client had meant.
    [InlineData("""{"inputs": "good", "lable": "negative"}""", HttpStatusCode.BadRequest, "validation", "unrecognized request argument 'lable'; an /explain body takes: inputs, label, steps, baseline, model")]
    [InlineData("""{"inputs": "good", "stpes": 4}""", HttpStatusCode.BadRequest, "validation", "unrecognized request argument 'stpes'")]
    // Explained as [CLS] [SEP] with no words (200) until 2026-12-06; refused as /predict refuses it.
    [InlineData("""{"inputs": ["good", "\u200b"]}""", HttpStatusCode.BadRequest, "empty", "inputs[1] has nothing to classify: it holds only format characters, which the tokenizer drops (U+200B)")]
    [InlineData("""{"text": "good"}""", HttpStatusCode.BadRequest, "validation", "no \"inputs\"")]
    [InlineData("""{"inputs": "good""", HttpStatusCode.BadRequest, "validation", "not valid JSON")]
    public async Task ClientMistakesAre4xxWithAJsonError(string body, HttpStatusCode status, string errorType, string message)
    {
        using var response = await _server.PostJsonAsync("/explain", body);

        Assert.Contains(message, await RequestValidationTests.AssertErrorAsync(response, status, errorType));
    }

    /// <summary>/explain reads no query, as /predict: <c>?model=</c> was ignored and the one model served explained.</summary>
    [Fact]
    public async Task AQueryParameterIs400NamingIt()
    {
        using var response = await _server.PostJsonAsync("/explain?model=nosuch", """{"inputs": "good", "steps": 1}""");

        Assert.StartsWith("unrecognized query parameter 'model'; /explain takes none",
            await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "validation"));
    }

    /// <summary>
    /// <c>/explain</c> took any <c>"model"</c> and up to 8 texts whatever <c>--max-inputs</c> said, though an explained
    /// text costs dozens of predictions: it now follows <c>/predict</c> on both.
    /// </summary>
    [Fact]
    public async Task ModelAndMaxInputsAreCheckedAsPredictChecksThem()
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d, maxInputs: 2)));
        string served = OrtAgent.Serving.ServingEndpoints.ModelName(server.ModelDirectory);

        using (var other = await server.PostJsonAsync("/explain", """{"inputs": "good", "model": "other", "steps": 1}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            using var error = JsonDocument.Parse(await other.Content.ReadAsStringAsync());
            Assert.Equal($"model 'other' is not served here; this server serves '{served}'", error.RootElement.GetProperty("error").GetString());
        }
        using (var named = await server.PostJsonAsync("/explain", $$"""{"inputs": "good", "model": "{{served}}", "steps": 1}"""))
            Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        using var three = await server.PostJsonAsync("/explain", """{"inputs": ["a", "b", "c"], "steps": 1}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, three.StatusCode);
    }

    /// <summary>
    /// Concurrent explanations each kept about a gigabyte resident on minilm, without a bound. The classifier now
    /// explains one at a time and the server queues at most <c>MaxExplanationsInFlight</c>; beyond that, 429 with
    /// Retry-After, and every admitted request is answered.
    /// </summary>
    [Fact]
    public async Task ExplanationsBeyondTheQueueGet429WithRetryAfter()
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d, maxExplanationsInFlight: 1)));
        // The one place taken, as a request still explaining holds it: the test takes it itself, so no timing decides.
        var queue = server.App.Services.GetRequiredService<OrtAgent.Serving.ExplanationQueue>();
        Assert.True(queue.TryEnter());
        using (var refused = await server.PostJsonAsync("/explain", """{"inputs": "great", "steps": 1}"""))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("1 explanation is already running or waiting, one at a time; retry shortly", error.RootElement.GetProperty("error").GetString());
        }
        queue.Leave();

        // Freed, the place admits the next request, and requests at once are all answered, one after another.
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => server.PostJsonAsync("/explain", """{"inputs": "great", "steps": 4}""")));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var response in responses) response.Dispose();
    }

    /// <summary>
    /// A model without explain.onnx is a 409 saying how to add it, naming the model by its served name: the body named
    /// its directory's full path, telling every client the server's layout. The log has the full line, and explain_text
    /// over /mcp is told as /explain is.
    /// </summary>
    [Fact]
    public async Task AModelWithoutExplainOnnxAnswers409SayingHowToAddItWithoutTheServersPaths()
    {
        await using var server = await ServerUnderTest.StartAsync();
        string name = Path.GetFileName(server.ModelDirectory), parent = Path.GetDirectoryName(server.ModelDirectory)!;

        using var response = await server.PostJsonAsync("/explain", """{"inputs": "good"}""");

        var message = await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.Conflict, "no_explain_graph");
        Assert.StartsWith($"explanations of the model '{name}' are not available: {name}: no explain.onnx", message);
        Assert.Contains($"ortagent export --explain --model {name}", message);
        Assert.DoesNotContain(parent, message);
        Assert.Contains(server.Logs.Lines, line => line.Contains($"{server.ModelDirectory}: no explain.onnx", StringComparison.Ordinal));

        await using var client = await McpTestClients.ConnectHttpAsync(server.BaseAddress, key: null, protocolVersion: null);
        var toolError = await client.CallFailingAsync("explain_text", new() { ["text"] = "good" });
        Assert.StartsWith($"{name} cannot be explained: {name}: no explain.onnx", toolError);
        Assert.DoesNotContain(parent, toolError);
    }

    [Fact]
    public async Task ExplainNeedsTheApiKeyLikePredict()
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d, apiKeys: ["k1"])));

        using var without = await server.PostJsonAsync("/explain", """{"inputs": "good"}""");
        await RequestValidationTests.AssertErrorAsync(without, HttpStatusCode.Unauthorized, "unauthorized");
        using var with = await server.PostJsonAsync("/explain", """{"inputs": "good", "steps": 2}""", apiKey: "k1");
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task ADamagedExplainGraphFailsTheReloadAndTheServedModelKeepsExplaining()
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d, apiKeys: ["k1"])));
        using (var first = await server.PostJsonAsync("/explain", """{"inputs": "good", "steps": 2}""", apiKey: "k1"))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        File.WriteAllText(Path.Combine(server.ModelDirectory, OrtAgent.Runtime.ModelContract.ExplainModelFile), "not an onnx model");

        using var reload = await server.PostJsonAsync("/admin/reload", "{}", apiKey: "k1");

        var body = await RequestValidationTests.AssertErrorAsync(reload, HttpStatusCode.Conflict, "model_load");
        Assert.Contains("explain.onnx: is not a whole ONNX model (cut short or overwritten), so it cannot be read; rebuild it with: ortagent export --explain --model", body);
        using var explained = await server.PostJsonAsync("/explain", """{"inputs": "good", "steps": 2}""", apiKey: "k1");
        Assert.Equal(HttpStatusCode.OK, explained.StatusCode);
    }

    /// <summary>
    /// A new model renamed into the served directory and not yet reloaded (or the directory's files deleted): /explain
    /// answered 409 model_replaced at the first explanation after the start, since explain.onnx was opened by path then,
    /// though /predict still answered with the loaded model. The graph checked at load is held open, so the loaded model
    /// explains itself until the reload; after it, the new one does.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AModelChangedOnDiskAfterLoadingIsExplainedByTheOneLoadedUntilTheReload(bool deleted)
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d, apiKeys: ["k1"])));
        if (deleted)
            foreach (var file in Directory.GetFiles(server.ModelDirectory)) File.Delete(file);
        else
        {
            ToyClassifierModel.Write(server.ModelDirectory, ToyClassifierModel.Topic);
            ModelExporter.AddExplainGraph(server.ModelDirectory);
        }

        using var explained = await server.PostJsonAsync("/explain", """{"inputs": "good", "steps": 2}""", apiKey: "k1");

        var body = await explained.Content.ReadAsStringAsync();
        Assert.True(explained.StatusCode == HttpStatusCode.OK, body);
        using (var json = JsonDocument.Parse(body))
            Assert.Equal("positive", json.RootElement.GetProperty("label").GetString());
        if (deleted) return;
        using (var reload = await server.PostJsonAsync("/admin/reload", "{}", apiKey: "k1"))
            Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        using var afterReload = await server.PostJsonAsync("/explain", """{"inputs": "pizza", "steps": 2}""", apiKey: "k1");
        using var reloaded = JsonDocument.Parse(await afterReload.Content.ReadAsStringAsync());
        Assert.Equal("food", reloaded.RootElement.GetProperty("label").GetString());
    }

    /// <summary>
    /// A model written over in place (its explain.onnx too, as a copy onto the files does) and not yet reloaded: the graph
    /// held open since the load now holds other bytes, so nothing vouches for it, and /explain refuses to explain with the
    /// folder's graph, naming the server's reload (the runtime's message says to load the model again, in its own terms).
    /// It is a 409 of its own, <c>model_replaced</c>: it was told as a missing explain graph, <c>no_explain_graph</c>.
    /// </summary>
    [Fact]
    public async Task AnExplanationAfterTheModelWasWrittenOverInPlaceSaysSoAndNamesTheReload()
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d, apiKeys: ["k1"])));
        var model = Path.Combine(server.ModelDirectory, OrtAgent.Runtime.ModelContract.ModelFile);
        var graph = Path.Combine(server.ModelDirectory, OrtAgent.Runtime.ModelContract.ExplainModelFile);
        File.SetLastWriteTimeUtc(model, File.GetLastWriteTimeUtc(model).AddMinutes(-5));
        File.WriteAllBytes(graph, File.ReadAllBytes(graph));
        File.SetLastWriteTimeUtc(graph, File.GetLastWriteTimeUtc(graph).AddMinutes(-5));

        using var explained = await server.PostJsonAsync("/explain", """{"inputs": "good", "steps": 2}""", apiKey: "k1");

        var body = await RequestValidationTests.AssertErrorAsync(explained, HttpStatusCode.Conflict, "model_replaced");
        string name = Path.GetFileName(server.ModelDirectory);
        Assert.StartsWith($"the model '{name}' cannot be explained now: {name}: the model there was replaced since this one was loaded", body);
        Assert.Contains("reload the model to use the new one (ortagent serve: POST /admin/reload;", body);
        Assert.DoesNotContain("TextClassifier", body);
    }

    /// <summary>
    /// An explain.onnx damaged after the server loaded the model: /explain answered ONNX Runtime's "Protobuf parsing
    /// failed" and no way out. It is a model without a usable explain graph, told as a missing one is, with the command
    /// that rebuilds it, on /explain and on explain_text alike.
    /// </summary>
    [Fact]
    public async Task AnExplainGraphDamagedAfterLoadingAnswers409SayingHowToRebuildIt()
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d)));
        var explainPath = Path.Combine(server.ModelDirectory, OrtAgent.Runtime.ModelContract.ExplainModelFile);
        var whole = File.ReadAllBytes(explainPath);
        File.WriteAllBytes(explainPath, whole[..(whole.Length / 2)]);
        string name = Path.GetFileName(server.ModelDirectory);

        using var response = await server.PostJsonAsync("/explain", """{"inputs": "good", "steps": 2}""");

        var message = await RequestValidationTests.AssertErrorAsync(response, HttpStatusCode.Conflict, "no_explain_graph");
        Assert.Equal($"explanations of the model '{name}' are not available: {name}/explain.onnx: is not a whole ONNX model (cut short or overwritten), " +
            $"so it cannot be read; rebuild it with: ortagent export --explain --model {name}", message);
        await using var client = await McpTestClients.ConnectHttpAsync(server.BaseAddress, key: null, protocolVersion: null);
        var toolError = await client.CallFailingAsync("explain_text", new() { ["text"] = "good" });
        Assert.StartsWith($"{name} cannot be explained: {name}/explain.onnx: is not a whole ONNX model (cut short or overwritten), so it cannot be read; rebuild it with: ortagent export --explain --model {name}", toolError);
    }

    /// <summary>
    /// A graph that is not an explain graph (here the model itself, copied over explain.onnx) fails the reload naming the
    /// command that rebuilds it: the runtime names the training library's call, and the server words it as the CLI's.
    /// </summary>
    [Fact]
    public async Task AReloadRefusedForItsExplainGraphNamesTheCommandThatRebuildsIt()
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d, apiKeys: ["k1"])));
        File.Copy(Path.Combine(server.ModelDirectory, OrtAgent.Runtime.ModelContract.ModelFile),
            Path.Combine(server.ModelDirectory, OrtAgent.Runtime.ModelContract.ExplainModelFile), overwrite: true);

        using var reload = await server.PostJsonAsync("/admin/reload", "{}", apiKey: "k1");

        var body = await RequestValidationTests.AssertErrorAsync(reload, HttpStatusCode.Conflict, "model_load");
        string name = Path.GetFileName(server.ModelDirectory);
        Assert.Contains($"{name}/explain.onnx: not an OrtAgent explain graph (no input 'baseline_ids'); rebuild it with: ortagent export --explain --model {name}", body);
        Assert.DoesNotContain("ModelExporter", body);
        Assert.DoesNotContain(Path.GetDirectoryName(server.ModelDirectory)!, body);
    }

    /// <summary>
    /// A reload after explain.onnx was removed answered 200 "reloaded" alone, and /explain was then a 409 that the
    /// operator who reloaded learned of from a client: the answer now says /explain is unavailable.
    /// </summary>
    [Fact]
    public async Task AReloadThatLosesTheExplainGraphSaysExplainIsNowUnavailable()
    {
        await using var server = await ServerUnderTest.StartAsync(WithExplainGraph(d => ServerUnderTest.Options(d, apiKeys: ["k1"])));
        using (var before = await server.PostJsonAsync("/admin/reload", "{}", apiKey: "k1"))
        {
            var body = await before.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(body.GetProperty("explain").GetBoolean());
            Assert.False(body.TryGetProperty("warning", out _));
        }
        File.Delete(Path.Combine(server.ModelDirectory, OrtAgent.Runtime.ModelContract.ExplainModelFile));

        using var reload = await server.PostJsonAsync("/admin/reload", "{}", apiKey: "k1");

        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        var reloaded = await reload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("reloaded", reloaded.GetProperty("status").GetString());
        Assert.False(reloaded.GetProperty("explain").GetBoolean());
        Assert.Equal("the reloaded model has no explain.onnx: /explain is now unavailable (409 no_explain_graph) until a model with one is reloaded",
            reloaded.GetProperty("warning").GetString());
    }
}
