using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// Client mistakes get a 4xx in OpenAI's error envelope, never a 5xx (which the SDKs would retry): training files,
/// bodies, job requests, list cursors and purposes here; paths and methods in <see cref="FineTuningRouteErrorTests"/>,
/// bodies over the limits and forms in <see cref="FineTuningUploadErrorTests"/>.
/// </summary>
public sealed class FineTuningErrorTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private HttpClient Http => fixture.Service.Http;

    private Task<string> UploadAsync(string name, string content) => UploadAsync(name, Encoding.UTF8.GetBytes(content));

    private async Task<string> UploadAsync(string name, byte[] content)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(content), "file", name },
            { new StringContent("fine-tune"), "purpose" },
        };
        var response = await Http.PostAsync("/v1/files", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("file", file.GetProperty("object").GetString());
        Assert.Equal("processed", file.GetProperty("status").GetString());
        return file.GetProperty("id").GetString()!;
    }

    private static string Chat(string user, string assistant) =>
        $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"{user}\"}}, {{\"role\": \"assistant\", \"content\": \"{assistant}\"}}]}}\n";

    /// <summary>Asserts the status and the envelope, and returns the error object.</summary>
    internal static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? param = null)
    {
        Assert.Equal(status, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("code", out _));
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
        return error;
    }

    [Fact]
    public async Task BadTrainingFilesAreRefusedNamingTheLine()
    {
        var good = string.Concat(Enumerable.Range(0, 12).Select(i => Chat($"text {i}", i % 2 == 0 ? "a" : "b")));
        var broken = await UploadAsync("broken.jsonl", Chat("x", "a") + Chat("y", "b") + "{not json\n" + good);
        var error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = broken }), HttpStatusCode.BadRequest, "training_file");
        Assert.Contains($"training_file {broken} (broken.jsonl) line 3", error.GetProperty("message").GetString());

        var noAssistant = await UploadAsync("no-assistant.jsonl", good + "{\"messages\": [{\"role\": \"user\", \"content\": \"z\"}]}\n");
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = noAssistant }), HttpStatusCode.BadRequest, "training_file");
        Assert.Contains("line 13: no assistant message", error.GetProperty("message").GetString());

        var few = await UploadAsync("few.jsonl", Chat("x", "a") + Chat("y", "b"));
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = few }), HttpStatusCode.BadRequest, "training_file");
        Assert.Contains("has 2 examples; at least 10 are required", error.GetProperty("message").GetString());
        // It said "has 1 examples".
        var one = await UploadAsync("one.jsonl", Chat("x", "a"));
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = one }), HttpStatusCode.BadRequest, "training_file");
        Assert.Contains("has 1 example; at least 10 are required", error.GetProperty("message").GetString());

        var single = await UploadAsync("single.jsonl", string.Concat(Enumerable.Range(0, 12).Select(i => Chat($"t{i}", "a"))));
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = single }), HttpStatusCode.BadRequest, "training_file");
        Assert.Contains("a classifier needs at least two labels", error.GetProperty("message").GetString());

        var cased = await UploadAsync("cased.jsonl", string.Concat(Enumerable.Range(0, 12).Select(i => Chat($"t{i}", (i % 3) switch { 0 => "spam", 1 => "Spam", _ => "ham" }))));
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = cased }), HttpStatusCode.BadRequest, "training_file");
        Assert.Equal($"training_file {cased} (cased.jsonl) lines 1 and 2: the labels 'spam' and 'Spam' differ only in case, so they would be trained as different classes; write them one way",
            error.GetProperty("message").GetString());

        // The service has no --text-column: the message lists the names it looked for, and names no CLI flag.
        var noText = await UploadAsync("no-text.csv", "body,label\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"t{i},{(i % 2 == 0 ? "a" : "b")}\n")));
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = noText }), HttpStatusCode.BadRequest, "training_file");
        Assert.Contains("line 1: no text column found; looked for text, sentence, review, content (any case) among the columns 'body', 'label'", error.GetProperty("message").GetString());
        Assert.DoesNotContain("--text-column", error.GetProperty("message").GetString());

        var chats = await UploadAsync("chats.jsonl", string.Concat(Enumerable.Range(0, 12).Select(i => Chat($"t{i}", i % 2 == 0 ? "a" : "b"))));
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = chats, validation_file = chats }), HttpStatusCode.BadRequest, "validation_file");
        Assert.StartsWith("validation_file is the training_file", error.GetProperty("message").GetString());

        using var pdf = new MultipartFormDataContent { { new ByteArrayContent([1, 2]), "file", "x.pdf" }, { new StringContent("fine-tune"), "purpose" } };
        error = await AssertErrorAsync(await Http.PostAsync("/v1/files", pdf), HttpStatusCode.BadRequest, "file");
        Assert.StartsWith("'x.pdf': unsupported file type '.pdf'; expected .jsonl,", error.GetProperty("message").GetString());
        // OpenAI's Node library names bytes given without a name 'unknown_file'; it was "'unknown_file': unsupported file type".
        using var unnamed = new MultipartFormDataContent { { new ByteArrayContent([1, 2]), "file", "unknown_file" }, { new StringContent("fine-tune"), "purpose" } };
        error = await AssertErrorAsync(await Http.PostAsync("/v1/files", unnamed), HttpStatusCode.BadRequest, "file");
        Assert.StartsWith("'unknown_file' has no extension, and the type of a file is read from its name; name the upload for its format: .jsonl,", error.GetProperty("message").GetString());
        using var purpose = new MultipartFormDataContent { { new ByteArrayContent([1]), "file", "x.jsonl" }, { new StringContent("batch"), "purpose" } };
        await AssertErrorAsync(await Http.PostAsync("/v1/files", purpose), HttpStatusCode.BadRequest, "purpose");
    }

    /// <summary>
    /// A training file's labels were all held before their count was looked at: a CSV of distinct labels (about 20 bytes
    /// a row) held millions of them for one request, 420 MB more for a 64 MB file, and training could never take them.
    /// The label one past the most a classifier has is refused at its line.
    /// </summary>
    [Fact]
    public async Task AFileWithMoreLabelsThanAClassifierHasIsRefusedAtTheFirstOneTooMany()
    {
        int most = OrtAgent.Training.Heads.ClassifierHeadOptions.MaxLabels;
        var rows = new StringBuilder("text,label\n");
        for (int i = 0; i <= most; i++) rows.Append("text ").Append(i).Append(",L").Append(i).Append('\n');
        var many = await UploadAsync("many-labels.csv", rows.ToString());

        var error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = many }), HttpStatusCode.BadRequest, "training_file");

        Assert.Equal("invalid_file", error.GetProperty("code").GetString());
        Assert.Equal($"training_file {many} (many-labels.csv) line {most + 2}: label 'L{most}' is distinct label {most + 1}; a classifier has at most {most}: is the label column the one meant?",
            error.GetProperty("message").GetString());
    }

    // What train says of a row the tokenizer makes nothing of: the tiny base is uncased, so it drops a lone accent, which
    // reading (by a cased vocabulary's rules, before a model is known) lets through.
    private const string NothingButAnAccent = "text has nothing to classify (column 'messages[user]'): it holds only combining-mark characters, which the tokenizer drops (U+0301)";

    private static string Labeled(int count, int from = 0) =>
        string.Concat(Enumerable.Range(from, count).Select(i => Chat($"text {i}", i % 2 == 0 ? "positive" : "negative")));

    /// <summary>
    /// A training or validation row of only a combining accent was accepted at creation and failed the job once it ran,
    /// at tokenizing. The creation refuses it now with the base's tokenizer, in train's words, naming the file and line;
    /// the upload still takes the file, since the model that decides is named only by the job.
    /// </summary>
    [Fact]
    public async Task ARowTheBasesTokenizerMakesNoTokenOfIsRefusedAtCreation()
    {
        var training = await UploadAsync("accent.jsonl", Labeled(6) + Chat("\u0301", "negative") + Labeled(6, from: 6));
        var error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = training }), HttpStatusCode.BadRequest, "training_file");
        Assert.Equal("invalid_file", error.GetProperty("code").GetString());
        Assert.Equal($"training_file {training} (accent.jsonl) line 7: {NothingButAnAccent}", error.GetProperty("message").GetString());
        // A packaged base's tokenizer is read from its package, pulled or not: minilm's vocabulary is uncased too.
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "minilm", training_file = training }), HttpStatusCode.BadRequest, "training_file");
        Assert.Equal($"training_file {training} (accent.jsonl) line 7: {NothingButAnAccent}", error.GetProperty("message").GetString());

        var good = await UploadAsync("good.jsonl", Labeled(12));
        var validation = await UploadAsync("accent-validation.jsonl", Labeled(2) + Chat("\u0301\u0301", "positive"));
        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = good, validation_file = validation }),
            HttpStatusCode.BadRequest, "validation_file");
        Assert.Equal("invalid_file", error.GetProperty("code").GetString());
        Assert.Equal($"validation_file {validation} (accent-validation.jsonl) line 3: {NothingButAnAccent}", error.GetProperty("message").GetString());
    }

    /// <summary>A job continuing a model the service trained reads its texts with that model's tokenizer, and is refused alike.</summary>
    [Fact]
    public async Task ARowTheFineTunedModelsTokenizerMakesNoTokenOfIsRefusedAtCreation()
    {
        var trained = await fixture.TrainedAsync();
        var training = await UploadAsync("accent-again.jsonl", Labeled(11) + Chat("\u0301", "positive"));
        var error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = trained.Model, training_file = training }), HttpStatusCode.BadRequest, "training_file");
        Assert.Equal($"training_file {training} (accent-again.jsonl) line 12: {NothingButAnAccent}", error.GetProperty("message").GetString());
    }

    /// <summary>
    /// Bodies of the wrong kind are 400s in the envelope, not ASP.NET's 415 or a 500: an upload without a purpose, a
    /// JSON body where the upload form belongs, a form where JSON belongs, and a JSON body that does not parse (no
    /// field to name there, as OpenAI names none for a body it cannot parse).
    /// </summary>
    [Fact]
    public async Task BodiesOfTheWrongKindAre400InTheEnvelope()
    {
        using var noPurpose = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(Chat("a", "b"))), "file", "x.jsonl" } };
        var error = await AssertErrorAsync(await Http.PostAsync("/v1/files", noPurpose), HttpStatusCode.BadRequest, "purpose");
        Assert.Equal("the form has no 'purpose' field", error.GetProperty("message").GetString());

        error = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/files", new { purpose = "fine-tune" }), HttpStatusCode.BadRequest, "file");
        Assert.Equal("upload a file as multipart/form-data with a 'file' part and a 'purpose' field", error.GetProperty("message").GetString());

        foreach (var route in new[] { "/v1/fine_tuning/jobs", "/v1/chat/completions" })
        {
            // curl -d without a Content-Type sends a form.
            using var form = new FormUrlEncodedContent([new("model", "tiny")]);
            error = await AssertErrorAsync(await Http.PostAsync(route, form), HttpStatusCode.BadRequest);
            Assert.Equal($"{route} takes a JSON body sent as Content-Type: application/json; this one is of type 'application/x-www-form-urlencoded'", error.GetProperty("message").GetString());
            using var text = new StringContent("hello", Encoding.UTF8, "application/json");
            error = await AssertErrorAsync(await Http.PostAsync(route, text), HttpStatusCode.BadRequest);
            Assert.StartsWith("the body is not valid JSON: ", error.GetProperty("message").GetString());
        }
    }

    [Theory]
    [InlineData("/v1/fine_tuning/jobs")]
    [InlineData("/v1/chat/completions")]
    public async Task ABodyWithTextThatIsNotUnicodeIs400NotA500(string route)
    {
        byte[][] bodies =
        [
            [.. "{\"model\": \""u8, 0xFF, 0xFE, .. "\"}"u8],             // bytes that are not UTF-8
            [.. "{\"model\": \"tiny\", \"\\ud800\": 1}"u8],          // a lone surrogate escape in a name
        ];
        foreach (var bytes in bodies)
        {
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var error = await AssertErrorAsync(await Http.PostAsync(route, content), HttpStatusCode.BadRequest);
            Assert.StartsWith("the body holds text that is not valid Unicode", error.GetProperty("message").GetString());
        }
    }

    [Theory]
    [InlineData("/v1/fine_tuning/jobs")]
    [InlineData("/v1/chat/completions")]
    public async Task ABodyNamingAFieldTwiceIs400(string route)
    {
        // The last one silently won, where a data file's JSON lines refuse a repeated key.
        using var content = new StringContent("{\"model\": \"tiny\", \"model\": \"other\"}", Encoding.UTF8, "application/json");
        var error = await AssertErrorAsync(await Http.PostAsync(route, content), HttpStatusCode.BadRequest, "model");
        Assert.Equal("the body names 'model' twice in one object; give each field once", error.GetProperty("message").GetString());

        // A nested name is named with its path, and param names it: it was 'n_epochs' alone, with param null.
        using var nested = new StringContent("{\"model\": \"tiny\", \"hyperparameters\": {\"n_epochs\": 1, \"n_epochs\": 2}, \"messages\": [{\"role\": \"user\", \"role\": \"user\"}]}",
            Encoding.UTF8, "application/json");
        error = await AssertErrorAsync(await Http.PostAsync(route, nested), HttpStatusCode.BadRequest, "hyperparameters.n_epochs");
        Assert.Equal("the body names 'hyperparameters.n_epochs' twice in one object; give each field once", error.GetProperty("message").GetString());

        using var inArray = new StringContent("{\"messages\": [{\"role\": \"user\"}, {\"role\": \"user\", \"role\": \"user\"}]}", Encoding.UTF8, "application/json");
        error = await AssertErrorAsync(await Http.PostAsync(route, inArray), HttpStatusCode.BadRequest, "messages[1].role");
    }

    [Fact]
    public async Task BadJobRequestsGet4xx()
    {
        var file = await UploadAsync("ok.jsonl", string.Concat(Enumerable.Range(0, 12).Select(i => Chat($"text {i}", i % 2 == 0 ? "a" : "b"))));
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "gpt-4o", training_file = file }), HttpStatusCode.BadRequest, "model");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = "file-missing" }), HttpStatusCode.BadRequest, "training_file");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, hyperparameters = new { n_epochs = 0 } }), HttpStatusCode.BadRequest, "hyperparameters.n_epochs");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, hyperparameters = new { batch_size = "big" } }), HttpStatusCode.BadRequest, "hyperparameters.batch_size");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, suffix = "no spaces allowed" }), HttpStatusCode.BadRequest, "suffix");
        var dpo = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, method = new { type = "dpo" } }), HttpStatusCode.BadRequest, "method.type");
        Assert.Equal("invalid_value", dpo.GetProperty("code").GetString());   // it had none, for Node's APIError.code to branch on
        await AssertErrorAsync(await Http.PostAsync("/v1/fine_tuning/jobs", new StringContent("{\"model\": ", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        // What OpenAI's API refuses too: a field it does not know (a misspelling would train with defaults), a method
        // without its type, integrations that are not an array, a seed beyond an integer.
        var unknown = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, validation = file }), HttpStatusCode.BadRequest, "validation");
        Assert.StartsWith("unrecognized request argument 'validation'; a job is created with: model, training_file, validation_file,", unknown.GetProperty("message").GetString());
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, hyperparameters = new { n_epoch = 2 } }), HttpStatusCode.BadRequest, "hyperparameters.n_epoch");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, method = new { type = "supervised", supervised = new { hyperparameters = new { epochs = 2 } } } }), HttpStatusCode.BadRequest, "method.supervised.hyperparameters.epochs");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, method = new { } }), HttpStatusCode.BadRequest, "method.type");
        // The same hyperparameter given in both places with two values: the nested one used to win without a word.
        var conflict = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new
        {
            model = "tiny", training_file = file, hyperparameters = new { n_epochs = 3 },
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 2 } } },
        }), HttpStatusCode.BadRequest, "hyperparameters.n_epochs");
        Assert.Equal("hyperparameters.n_epochs is 3 but method.supervised.hyperparameters.n_epochs is 2; give it in one place", conflict.GetProperty("message").GetString());
        var integrations = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, integrations = "wandb" }), HttpStatusCode.BadRequest, "integrations");
        Assert.Equal("invalid_type", integrations.GetProperty("code").GetString());
        integrations = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, integrations = new[] { new { type = "wandb", wandb = new { project = "p" } } } }),
            HttpStatusCode.BadRequest, "integrations");
        Assert.Equal("unsupported_parameter", integrations.GetProperty("code").GetString());
        // One range in one wording, whether the seed is beyond an integer or below zero.
        foreach (long outOfRange in new[] { 99999999999, -1 })
        {
            var seed = await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, seed = outOfRange }), HttpStatusCode.BadRequest, "seed");
            Assert.Equal($"seed: {outOfRange} is out of range; give an integer from 0 to 2147483647", seed.GetProperty("message").GetString());
        }
        await AssertErrorAsync(await Http.GetAsync("/v1/fine_tuning/jobs/ftjob-missing"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await Http.GetAsync("/v1/fine_tuning/jobs?limit=0"), HttpStatusCode.BadRequest, "limit");
        await AssertErrorAsync(await Http.GetAsync("/v1/files/file-missing"), HttpStatusCode.NotFound);
        await AssertErrorAsync(await Http.GetAsync("/v1/no-such-endpoint"), HttpStatusCode.NotFound);
        // Outside /v1, the paths this server has, in OpenAI's envelope: this is an OpenAI server.
        var unknownPath = await AssertErrorAsync(await Http.GetAsync("/nothing-here"), HttpStatusCode.NotFound);
        Assert.Equal("no endpoint at /nothing-here; see /explain, /health, /info, /mcp, /metrics, /predict, /v1/chat/completions, /v1/files, /v1/fine_tuning/jobs, /v1/models",
            unknownPath.GetProperty("message").GetString());
        Assert.Equal("unknown_url", unknownPath.GetProperty("code").GetString());
        var list = await Http.GetFromJsonAsync<JsonElement>("/v1/fine_tuning/jobs?limit=1");
        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.Contains(list.GetProperty("has_more").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
    }

    /// <summary>
    /// A cursor that names nothing in its list was answered an empty page, which a client paging on reads as the list's
    /// end; it is a 400 naming the cursor. A cursor at the list's last item still answers the empty last page.
    /// </summary>
    [Fact]
    public async Task AListCursorThatNamesNothingIs400()
    {
        var trained = await fixture.TrainedAsync();
        string job = trained.Job.JobId;
        foreach (var (path, names) in new[]
        {
            ("/v1/fine_tuning/jobs?after=ftjob-nope", "fine-tuning job"), ("/v1/files?after=file-nope", "file"),
            ($"/v1/fine_tuning/jobs/{job}/events?after=ftevent-nope", $"event of job {job}"),
            ($"/v1/fine_tuning/jobs/{job}/checkpoints?after=ftckpt-nope", $"checkpoint of job {job}"),
        })
        {
            var error = await AssertErrorAsync(await Http.GetAsync(path), HttpStatusCode.BadRequest, "after");
            Assert.Equal($"after '{path.Split("after=")[1]}' names no {names} in this list; page with the last_id of the page before", error.GetProperty("message").GetString());
        }
        foreach (var list in new[] { "/v1/fine_tuning/jobs", "/v1/files", $"/v1/fine_tuning/jobs/{job}/events", $"/v1/fine_tuning/jobs/{job}/checkpoints" })
        {
            var all = await Http.GetFromJsonAsync<JsonElement>($"{list}?limit=100");
            string last = all.GetProperty("last_id").GetString()!;
            var end = await Http.GetFromJsonAsync<JsonElement>($"{list}?after={last}");
            Assert.Empty(end.GetProperty("data").EnumerateArray());
        }
    }

    /// <summary>A purpose OpenAI does not have listed no files; it is a 400 naming OpenAI's, while one of those lists what there is.</summary>
    [Fact]
    public async Task AFilesListByAPurposeOpenAIDoesNotHaveIs400()
    {
        var error = await AssertErrorAsync(await Http.GetAsync("/v1/files?purpose=zzz"), HttpStatusCode.BadRequest, "purpose");
        Assert.Equal("purpose 'zzz' is not one of OpenAI's file purposes: assistants, assistants_output, batch, batch_output, fine-tune, fine-tune-results, vision, user_data, evals",
            error.GetProperty("message").GetString());
        var batch = await Http.GetFromJsonAsync<JsonElement>("/v1/files?purpose=batch");
        Assert.Empty(batch.GetProperty("data").EnumerateArray());
    }

    /// <summary>An empty purpose (curl -F purpose=) was "the form has no 'purpose' field".</summary>
    [Fact]
    public async Task AnEmptyPurposeIsSaidToBeEmpty()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(Chat("a", "b"))), "file", "x.jsonl" }, { new StringContent(""), "purpose" } };
        var error = await AssertErrorAsync(await Http.PostAsync("/v1/files", form), HttpStatusCode.BadRequest, "purpose");
        Assert.Equal("the form's 'purpose' field is empty; give 'fine-tune'", error.GetProperty("message").GetString());
    }

    /// <summary>A body that does not parse is said in plain words with where it stopped, not in System.Text.Json's.</summary>
    [Theory]
    [InlineData("{\"model\": ", "it ends before the JSON value is complete (at byte 10)")]
    [InlineData("hello", "'h' cannot start a JSON value (at byte 0)")]
    [InlineData("{\"model\": \"tiny\"}\n{", "more follows the JSON value (at line 2, byte 0)")]
    [InlineData("{model: 1}", "'m' cannot start a property name (names are in double quotes) (at byte 1)")]
    public async Task ABodyThatIsNotJsonIsSaidInPlainWords(string body, string reason)
    {
        foreach (var route in new[] { "/v1/fine_tuning/jobs", "/v1/chat/completions" })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            var error = await AssertErrorAsync(await Http.PostAsync(route, content), HttpStatusCode.BadRequest);
            Assert.Equal($"the body is not valid JSON: {reason}", error.GetProperty("message").GetString());
        }
    }

    /// <summary>Quotes and signs in messages are written as they are, not as \u0027 and \u00D7, in the raw body.</summary>
    [Fact]
    public async Task ErrorMessagesAreReadableInTheRawBody()
    {
        using var content = new StringContent(
            """{"model": "tiny", "training_file": "file-missing", "hyperparameters": {"learning_rate_multiplier": 0}}""", Encoding.UTF8, "application/json");

        string raw = await (await Http.PostAsync("/v1/fine_tuning/jobs", content)).Content.ReadAsStringAsync();
        Assert.Contains("0.00005 × learning_rate_multiplier", raw);
        Assert.DoesNotContain("\\u", raw);
        var missing = await Http.GetAsync("/v1/files/file-missing");
        Assert.Contains("no file with id 'file-missing'", await missing.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The learning rate, 5e-5 × the multiplier, is a float32 in the optimizer: one that rounds to 0 there (1e-320) or
    /// to a subnormal (below 2^-126 ≈ 1.1754944e-38) was accepted and trained nothing.
    /// </summary>
    [Theory]
    [InlineData("1e-320")]
    [InlineData("1e-35")]
    [InlineData("2.35e-34")]   // 1.175e-38: just under the smallest normal float32
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("100.5")]
    public async Task ALearningRateMultiplierWhoseRateIsNotANormalFloat32Is400(string multiplier)
    {
        using var content = new StringContent(
            $$$"""{"model": "tiny", "training_file": "file-missing", "hyperparameters": {"learning_rate_multiplier": {{{multiplier}}}}}""", Encoding.UTF8, "application/json");

        var error = await AssertErrorAsync(await Http.PostAsync("/v1/fine_tuning/jobs", content), HttpStatusCode.BadRequest, "hyperparameters.learning_rate_multiplier");
        Assert.Equal(
            // The value as it was sent (.NET's text of it was 1E-320), and the bound written alike.
            $"learning_rate_multiplier: {multiplier} is out of range; " +
            "give a value above 0 and at most 100, large enough that the learning rate, 0.00005 × learning_rate_multiplier, is a normal float32 (at least 1.1754944e-38)",
            error.GetProperty("message").GetString());
        Assert.Equal(multiplier == "100.5" ? "decimal_above_max_value" : "decimal_below_min_value", error.GetProperty("code").GetString());
    }

    /// <summary>
    /// A hyperparameter, seed, suffix or limit out of its range was a 400 with <c>code: null</c> that did not say what was
    /// given ("n_epochs must be between 1 and 50"): each names the value now, with OpenAI's code for the refusal.
    /// </summary>
    [Theory]
    [InlineData("""{"hyperparameters": {"n_epochs": 0}}""", "hyperparameters.n_epochs", "integer_below_min_value", "n_epochs: 0 is out of range; give 1 to 50")]
    [InlineData("""{"hyperparameters": {"n_epochs": 51}}""", "hyperparameters.n_epochs", "integer_above_max_value", "n_epochs: 51 is out of range; give 1 to 50")]
    [InlineData("""{"hyperparameters": {"n_epochs": 1.5}}""", "hyperparameters.n_epochs", "invalid_type", "n_epochs: 1.5 is not a whole number or \"auto\"")]
    [InlineData("""{"hyperparameters": {"n_epochs": 99999999999}}""", "hyperparameters.n_epochs", "integer_above_max_value", "n_epochs: 99999999999 is out of range; give 1 to 50")]
    [InlineData("""{"hyperparameters": {"n_epochs": -99999999999}}""", "hyperparameters.n_epochs", "integer_below_min_value", "n_epochs: -99999999999 is out of range; give 1 to 50")]
    [InlineData("""{"hyperparameters": {"batch_size": 1e400}}""", "hyperparameters.batch_size", "integer_above_max_value", "batch_size: 1e400 is out of range; give 1 to 512")]
    [InlineData("""{"hyperparameters": {"n_epochs": "two"}}""", "hyperparameters.n_epochs", "invalid_type", "n_epochs: 'two' is not a whole number or \"auto\"")]
    [InlineData("""{"hyperparameters": {"learning_rate_multiplier": true}}""", "hyperparameters.learning_rate_multiplier", "invalid_type", "learning_rate_multiplier: true is not a number or \"auto\"")]
    [InlineData("""{"method": {"type": "contrastive", "contrastive": {"hyperparameters": {"pair_rounds": {"n": 2}}}}}""", "method.contrastive.hyperparameters.pair_rounds", "invalid_type", "pair_rounds: an object is not a whole number or \"auto\"")]
    [InlineData("""{"hyperparameters": {"batch_size": 1.5}}""", "hyperparameters.batch_size", "invalid_type", "batch_size: 1.5 is not a whole number or \"auto\"")]
    [InlineData("""{"method": {"type": "contrastive", "contrastive": {"hyperparameters": {"batch_size": 1e10}}}}""", "method.contrastive.hyperparameters.batch_size", "integer_above_max_value", "batch_size: 1e10 is out of range; give 1 to 4096")]
    [InlineData("""{"method": {"type": "supervised", "supervised": {"hyperparameters": {"batch_size": 0}}}}""", "method.supervised.hyperparameters.batch_size", "integer_below_min_value", "batch_size: 0 is out of range; give 1 to 512")]
    [InlineData("""{"hyperparameters": {"batch_size": 100000}}""", "hyperparameters.batch_size", "integer_above_max_value", "batch_size: 100000 is out of range; give 1 to 512")]
    [InlineData("""{"hyperparameters": {"learning_rate_multiplier": 0}}""", "hyperparameters.learning_rate_multiplier", "decimal_below_min_value", "learning_rate_multiplier: 0 is out of range; give a value above 0")]
    [InlineData("""{"method": {"type": "contrastive", "contrastive": {"hyperparameters": {"pair_rounds": 0}}}}""", "method.contrastive.hyperparameters.pair_rounds", "integer_below_min_value", "pair_rounds: 0 is out of range; give 1 to 2147483647")]
    [InlineData("""{"method": {"type": "contrastive", "contrastive": {"hyperparameters": {"pair_rounds": 3000000000}}}}""", "method.contrastive.hyperparameters.pair_rounds", "integer_above_max_value", "pair_rounds: 3000000000 is out of range; give 1 to 2147483647")]
    [InlineData("""{"seed": -3}""", "seed", "integer_below_min_value", "seed: -3 is out of range; give an integer from 0 to 2147483647")]
    [InlineData("""{"seed": 1.5}""", "seed", "invalid_type", "seed: 1.5 is not an integer from 0 to 2147483647")]
    // A double rounds these to 2 and 0, and they were taken as such: whole numbers are judged as written, as serve's and the MCP tools' are.
    [InlineData("""{"hyperparameters": {"n_epochs": 2.00000000000000000000000000001}}""", "hyperparameters.n_epochs", "invalid_type", "n_epochs: 2.00000000000000000000000000001 is not a whole number or \"auto\"")]
    [InlineData("""{"seed": 1e-400}""", "seed", "invalid_type", "seed: 1e-400 is not an integer from 0 to 2147483647")]
    [InlineData("""{"suffix": "no spaces"}""", "suffix", "invalid_value", "suffix: 'no spaces' is not 1 to 64 ASCII letters, digits, '-', '_' or '.'")]
    [InlineData("""{"suffix": "tickets\n"}""", "suffix", "invalid_value", "suffix: 'tickets?' is not 1 to 64 ASCII letters, digits, '-', '_' or '.'")]
    // An accented letter is a letter too: "letters" did not say which it takes.
    [InlineData("""{"suffix": "rév"}""", "suffix", "invalid_value", "suffix: 'rév' is not 1 to 64 ASCII letters, digits, '-', '_' or '.'")]
    public async Task AValueOutOfRangeIsA400NamingItWithACode(string fields, string param, string code, string message)
    {
        string body = $$"""{"model": "tiny", "training_file": "file-missing", {{fields.Trim()[1..^1]}}}""";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        var error = await AssertErrorAsync(await Http.PostAsync("/v1/fine_tuning/jobs", content), HttpStatusCode.BadRequest, param);

        Assert.StartsWith(message, error.GetProperty("message").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("0", "integer_below_min_value", "limit: 0 is out of range; give 1 to 100")]
    [InlineData("-2", "integer_below_min_value", "limit: -2 is out of range; give 1 to 100")]
    [InlineData("101", "integer_above_max_value", "limit: 101 is out of range; give 1 to 100")]
    [InlineData("99999999999", "integer_above_max_value", "limit: 99999999999 is out of range; give 1 to 100")]
    [InlineData("ten", "invalid_type", "limit: 'ten' is not a whole number from 1 to 100")]
    public async Task ALimitOutOfRangeIsA400NamingItWithACode(string limit, string code, string message)
    {
        var error = await AssertErrorAsync(await Http.GetAsync($"/v1/fine_tuning/jobs?limit={limit}"), HttpStatusCode.BadRequest, "limit");

        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("2.36e-34")]   // 1.18e-38: the smallest normal float32 is 1.1754944e-38
    [InlineData("100")]
    public async Task ALearningRateMultiplierAtTheEdgesOfItsRangePassesOnToTheFileCheck(string multiplier)
    {
        using var content = new StringContent(
            """{"model": "tiny", "training_file": "file-missing", "method": {"type": "supervised", "supervised": {"hyperparameters": {"learning_rate_multiplier": M}}}}""".Replace("M", multiplier), Encoding.UTF8, "application/json");

        await AssertErrorAsync(await Http.PostAsync("/v1/fine_tuning/jobs", content), HttpStatusCode.BadRequest, "training_file");
    }

    [Fact]
    public async Task WhatAClassifierCannotDoInChatIsRefused()
    {
        var messages = new[] { new { role = "user", content = "hello" } };
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/chat/completions", new { model = "ft:tiny::ftjob-missing", messages }), HttpStatusCode.NotFound, "model");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny", messages }), HttpStatusCode.BadRequest, "model");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny", messages, stream = true }), HttpStatusCode.BadRequest, "stream");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny", messages, n = 2 }), HttpStatusCode.BadRequest, "n");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny", messages, tools = new[] { new { type = "function" } } }), HttpStatusCode.BadRequest, "tools");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny", messages = Array.Empty<object>() }), HttpStatusCode.BadRequest, "messages");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny", messages, temperature = "hot" }), HttpStatusCode.BadRequest, "temperature");
        await AssertErrorAsync(await Http.PostAsJsonAsync("/v1/chat/completions", new { model = "tiny", messages, max_completion_tokens = 1.5 }), HttpStatusCode.BadRequest, "max_completion_tokens");
        await AssertErrorAsync(await Http.DeleteAsync("/v1/models/tiny"), HttpStatusCode.Forbidden, "model");
        await AssertErrorAsync(await Http.DeleteAsync("/v1/models/ft:tiny::ftjob-missing"), HttpStatusCode.NotFound, "model");
        var predict = await Http.PostAsJsonAsync("/predict", new { inputs = "hello", model = "nope" });
        Assert.Equal(HttpStatusCode.NotFound, predict.StatusCode);
    }

    [Fact]
    public async Task ASecondServiceOverTheSameStoreIsRefusedAndTheFirstRunsOn()
    {
        string expected = $"--store {Path.GetFullPath(fixture.Store)}: 'ortagent serve --fine-tuning' (process {Environment.ProcessId}) is running this store's jobs; connect to that service";

        var inProcess = await Assert.ThrowsAsync<UserInputException>(() => ServiceUnderTest.StartAsync(fixture.Store, fixture.Tiny.BaseModel));
        Assert.StartsWith(expected, inProcess.Message);

        // Another process, as a second terminal or an agent's stdio server would be; it must not start at all.
        var other = await new OrtAgentProcess().RunAsync(
            ["serve", "--fine-tuning", "--store", fixture.Store, "--base-model", $"tiny={fixture.Tiny.BaseModel}", "--urls", "http://127.0.0.1:0"],
            TimeSpan.FromSeconds(60));
        Assert.True(other.ExitCode == 2, other.ToString());
        Assert.StartsWith("error: " + expected, Assert.Single(other.ErrorLines));

        var models = await Http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
    }
}
