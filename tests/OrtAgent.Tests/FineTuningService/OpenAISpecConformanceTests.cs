#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.FineTuning;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// Where the service answered otherwise than OpenAI's published API spec says, found by comparing each route field by
/// field: each test holds one of those answers to the spec.
/// </summary>
public sealed class OpenAISpecConformanceTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private HttpClient Http => fixture.Service.Http;

    /// <summary>
    /// The job list's <c>metadata[KEY]=VALUE</c> filter (and <c>metadata=null</c>) was ignored: every job came back, so a
    /// client that cancels the jobs its filter lists cancelled every job.
    /// </summary>
    [Fact]
    public async Task TheJobListFiltersByMetadataAsOpenAIsDoes()
    {
        string run = Guid.NewGuid().ToString("N");
        string file = await UploadChatFileAsync();
        var ranker = await CreateJobAsync(new { model = "tiny", training_file = file, metadata = new Dictionary<string, string> { ["run"] = run, ["team"] = "ranker" } });
        var search = await CreateJobAsync(new { model = "tiny", training_file = file, metadata = new Dictionary<string, string> { ["run"] = run, ["team"] = "search" } });
        var without = await CreateJobAsync(new { model = "tiny", training_file = file });
        try
        {
            Assert.Equal([search, ranker], await ListedAsync($"metadata[run]={run}"));
            Assert.Equal([search], await ListedAsync($"metadata%5Brun%5D={run}&metadata%5Bteam%5D=search"));   // as clients encode it
            Assert.Empty(await ListedAsync($"metadata[run]={run}&metadata[team]=other"));
            Assert.Equal([search], await ListedAsync($"Metadata[run]={run}&METADATA[team]=search"));   // ignored, it listed every job
            var none = await ListedAsync("metadata=null");
            Assert.Contains(without, none);
            Assert.DoesNotContain(ranker, none);
            // OpenAI's Node library (7.55.0) sends list({ metadata: null }) as metadata=, which was a 400.
            var fromNode = await ListedAsync("metadata=");
            Assert.Contains(without, fromNode);
            Assert.DoesNotContain(ranker, fromNode);
            // A job the filter leaves out is still a place to page from.
            Assert.Equal([search], await ListedAsync($"metadata[run]={run}&after={without}", limit: 1));

            var wrong = await Http.GetAsync("/v1/fine_tuning/jobs?metadata=team");
            var error = await FineTuningErrorTests.AssertErrorAsync(wrong, HttpStatusCode.BadRequest, "metadata");
            Assert.Contains("metadata[KEY]=VALUE", error.GetProperty("message").GetString());
            // The key runs to the last ']' (qs, under OpenAI's Node library, does not escape brackets in keys), so this
            // asks for the key "a][b", which no job has.
            Assert.Empty(await ListedAsync("metadata[a][b]=c"));
            await FineTuningErrorTests.AssertErrorAsync(await Http.GetAsync("/v1/fine_tuning/jobs?metadata[a=c"), HttpStatusCode.BadRequest, "metadata");
        }
        finally
        {
            foreach (var id in new[] { ranker, search, without }) await Http.PostAsync($"/v1/fine_tuning/jobs/{id}/cancel", null);
        }
    }

    /// <summary>
    /// A metadata key holding ']' is accepted at the job's creation, and OpenAI's Node library sends its filter as
    /// <c>?metadata[a]b]=x%26y%3Dz</c> (qs does not escape brackets): it was refused, "is not a metadata filter".
    /// </summary>
    [Fact]
    public async Task AMetadataKeyHoldingABracketCanBeFilteredOn()
    {
        string file = await UploadChatFileAsync();
        string run = Guid.NewGuid().ToString("N");
        var bracketed = await CreateJobAsync(new { model = "tiny", training_file = file, metadata = new Dictionary<string, string> { ["a]b"] = "x&y=z", ["run"] = run } });
        var other = await CreateJobAsync(new { model = "tiny", training_file = file, metadata = new Dictionary<string, string> { ["a]b"] = "other", ["run"] = run } });
        try
        {
            Assert.Equal([bracketed], await ListedAsync($"metadata[a]b]=x%26y%3Dz&metadata[run]={run}"));
            Assert.Equal([bracketed], await ListedAsync($"metadata%5Ba%5Db%5D=x%26y%3Dz&metadata[run]={run}"));
        }
        finally
        {
            foreach (var id in new[] { bracketed, other }) await Http.PostAsync($"/v1/fine_tuning/jobs/{id}/cancel", null);
        }
    }

    /// <summary>
    /// The .NET library sends hyperparameters under method.supervised.hyperparameters; a value out of range there was
    /// named as the top-level hyperparameters.n_epochs, a field the client never sent.
    /// </summary>
    [Fact]
    public async Task AHyperparameterRefusedIsNamedWhereTheLibrarySentIt()
    {
        string file = await UploadChatFileAsync();
        var options = new FineTuningOptions
        {
            TrainingMethod = FineTuningTrainingMethod.CreateSupervised(epochCount: HyperparameterEpochCount.CreateEpochCount(51)),
        };

        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            fixture.Service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file, waitUntilCompleted: false, options));

        Assert.Equal(400, refused.Status);
        var error = JsonDocument.Parse(refused.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("method.supervised.hyperparameters.n_epochs", error.GetProperty("param").GetString());
        Assert.Equal("integer_above_max_value", error.GetProperty("code").GetString());
    }

    /// <summary>OpenAI's checkpoint list gives 10 checkpoints when no limit is asked for; the service gave 20.</summary>
    [Fact]
    public async Task TheCheckpointListGivesTenUnlessAskedForMore()
    {
        string file = await UploadChatFileAsync();
        string job = await CreateJobAsync(new { model = "tiny", training_file = file, seed = 1, hyperparameters = new { n_epochs = 12, batch_size = 8 } });
        var done = await fixture.Service.WaitForJobAsync(job, status => status is "succeeded" or "failed" or "cancelled", TimeSpan.FromMinutes(2));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());

        var all = await Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{job}/checkpoints?limit=100");
        Assert.Equal(12, all.GetProperty("data").GetArrayLength());   // one per epoch
        var first = await Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{job}/checkpoints");
        Assert.Equal(10, first.GetProperty("data").GetArrayLength());
        Assert.True(first.GetProperty("has_more").GetBoolean());
    }

    /// <summary>
    /// OpenAI's spec types an event's <c>data</c> as an object, and its API sends a message event's as <c>{}</c>; the
    /// service sent <c>null</c>, which a client generated from the spec with a non-nullable map cannot read.
    /// </summary>
    [Fact]
    public async Task EveryEventCarriesADataObject()
    {
        var trained = await fixture.TrainedAsync();

        var events = await Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{trained.Job.JobId}/events?limit=100");

        var data = events.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(data, e => e.GetProperty("type").GetString() == "message");
        Assert.All(data, e => Assert.Equal(JsonValueKind.Object, e.GetProperty("data").ValueKind));
        Assert.All(data.Where(e => e.GetProperty("type").GetString() == "message"), e => Assert.Empty(e.GetProperty("data").EnumerateObject()));
    }

    /// <summary>
    /// An upload's form fields beyond file and purpose were ignored: OpenAI's expires_after (a file to be deleted after an
    /// hour) was kept for good, and a misspelt field vanished. Each is a 400 naming it, and nothing is stored.
    /// </summary>
    [Theory]
    [InlineData("expires_after[anchor]", "created_at", "expires_after", "unsupported_parameter")]
    [InlineData("expires_after[seconds]", "3600", "expires_after", "unsupported_parameter")]
    [InlineData("purpose_", "fine-tune", "purpose_", "unknown_parameter")]
    public async Task AnUploadFieldTheServiceDoesNotReadIsRefused(string field, string value, string param, string code)
    {
        var before = (await Http.GetFromJsonAsync<JsonElement>("/v1/files")).GetProperty("data").GetArrayLength();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("fine-tune"), "purpose" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(fixture.ChatFile)), "file", "chat.jsonl" },
            { new StringContent(value), field },
        };

        var error = await FineTuningErrorTests.AssertErrorAsync(await Http.PostAsync("/v1/files", form), HttpStatusCode.BadRequest, param);

        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Contains($"'{field}'", error.GetProperty("message").GetString());
        Assert.Equal(before, (await Http.GetFromJsonAsync<JsonElement>("/v1/files")).GetProperty("data").GetArrayLength());
    }

    /// <summary>An upload sent gzip-encoded was refused as a malformed form ("ends before its closing boundary").</summary>
    [Fact]
    public async Task ACompressedUploadIsRefusedNamingItsContentEncoding()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("fine-tune"), "purpose" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(fixture.ChatFile)), "file", "chat.jsonl" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/files") { Content = form };
        request.Content.Headers.ContentEncoding.Add("gzip");

        var error = await FineTuningErrorTests.AssertErrorAsync(await Http.SendAsync(request), HttpStatusCode.BadRequest, "file");

        Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
        Assert.Contains("gzip", error.GetProperty("message").GetString());
    }

    /// <summary>
    /// A field the service does not know, and a required one left out, were refused with <c>code: null</c>; OpenAI's API
    /// codes them <c>unknown_parameter</c> and <c>missing_required_parameter</c>, which clients branch on.
    /// </summary>
    [Theory]
    [InlineData("/v1/fine_tuning/jobs", """{"model": "tiny", "training_file": "file-x", "n_epoch": 2}""", "n_epoch", "unknown_parameter")]
    [InlineData("/v1/fine_tuning/jobs", """{"model": "tiny", "training_file": "file-x", "method": {"type": "supervised", "supervised": {"hyperparameters": {"epochs": 2}}}}""",
        "method.supervised.hyperparameters.epochs", "unknown_parameter")]
    [InlineData("/v1/fine_tuning/jobs", """{"training_file": "file-x"}""", "model", "missing_required_parameter")]
    [InlineData("/v1/fine_tuning/jobs", """{"model": "tiny"}""", "training_file", "missing_required_parameter")]
    [InlineData("/v1/fine_tuning/jobs", """{"model": "tiny", "training_file": "file-x", "method": {}}""", "method.type", "missing_required_parameter")]
    [InlineData("/v1/chat/completions", """{"messages": [{"role": "user", "content": "hi"}]}""", "model", "missing_required_parameter")]
    [InlineData("/v1/chat/completions", """{"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_token": 5}""", "max_token", "unknown_parameter")]
    public async Task AnUnknownOrMissingFieldCarriesOpenAIsCode(string path, string body, string param, string code)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var error = await FineTuningErrorTests.AssertErrorAsync(await Http.PostAsync(path, content), HttpStatusCode.BadRequest, param);

        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    /// <summary>
    /// An empty validation_file was told "validation_file is required" with <c>missing_required_parameter</c>, though the
    /// field is optional: a client branching on the code would have looked for a field it had sent.
    /// </summary>
    [Fact]
    public async Task AnEmptyValidationFileIsAnInvalidValueNotAMissingOne()
    {
        string file = await UploadChatFileAsync();

        var error = await FineTuningErrorTests.AssertErrorAsync(
            await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file, validation_file = "" }), HttpStatusCode.BadRequest, "validation_file");

        Assert.Equal("invalid_value", error.GetProperty("code").GetString());
        Assert.StartsWith("validation_file is empty; give a file's id, or leave validation_file out", error.GetProperty("message").GetString());
    }

    private async Task<List<string>> ListedAsync(string query, int limit = 100)
    {
        var response = await Http.GetAsync($"/v1/fine_tuning/jobs?limit={limit}&{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. list.GetProperty("data").EnumerateArray().Select(job => job.GetProperty("id").GetString()!)];
    }

    private async Task<string> CreateJobAsync(object body)
    {
        var response = await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<string> UploadChatFileAsync()
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(await File.ReadAllBytesAsync(fixture.ChatFile)), "file", "chat.jsonl" },
            { new StringContent("fine-tune"), "purpose" },
        };
        var response = await Http.PostAsync("/v1/files", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
