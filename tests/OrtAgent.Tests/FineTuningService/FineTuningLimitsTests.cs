#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.FineTuning;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// What one request may make the service keep and show back to every client: job metadata and file names, within
/// OpenAI's lengths and free of characters that pass for other text; and how many jobs may wait.
/// </summary>
public sealed class FineTuningLimitsTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private HttpClient Http => fixture.Service.Http;

    [Theory]
    [InlineData(65, 1, "has 65 characters; keys have at most 64", "string_above_max_length")]
    [InlineData(64, 513, "has 513 characters; values have at most 512", "string_above_max_length")]
    [InlineData(400_000, 1, "has 400000 characters; keys have at most 64", "string_above_max_length")]
    [InlineData(0, 1, "metadata has an empty key; keys have 1 to 64 characters", "invalid_value")]
    public async Task MetadataBeyondOpenAIsLengthsIs400(int keyLength, int valueLength, string problem, string? code)
    {
        var metadata = new Dictionary<string, string> { [new string('k', keyLength)] = new string('v', valueLength) };
        var response = await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = "file-missing", metadata });

        var error = await FineTuningErrorTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "metadata");
        Assert.EndsWith(problem, error.GetProperty("message").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    /// <summary>Too many pairs said neither how many were given nor carried a code; a value not a string carried no code.</summary>
    [Fact]
    public async Task TooManyMetadataPairsOrAValueNotAStringCarriesOpenAIsCode()
    {
        var seventeen = Enumerable.Range(0, 17).ToDictionary(i => $"k{i}", _ => "v");
        var error = await FineTuningErrorTests.AssertErrorAsync(
            await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = "file-missing", metadata = seventeen }), HttpStatusCode.BadRequest, "metadata");
        Assert.Equal("metadata has 17 pairs; it holds at most 16", error.GetProperty("message").GetString());
        Assert.Equal("object_above_max_properties", error.GetProperty("code").GetString());

        error = await FineTuningErrorTests.AssertErrorAsync(
            await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = "file-missing", metadata = new { run = 1 } }), HttpStatusCode.BadRequest, "metadata");
        Assert.Equal("metadata.run must be a string", error.GetProperty("message").GetString());
        Assert.Equal("invalid_type", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task MetadataAtOpenAIsLengthsPassesOnToTheFileCheck()
    {
        var metadata = new Dictionary<string, string> { [new string('k', 64)] = new string('v', 512) };
        var response = await Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = "file-missing", metadata });

        await FineTuningErrorTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "training_file");
    }

    [Theory]
    [InlineData("a\rb.csv", "holds U+000D, a control character; rename the file")]
    [InlineData("a\nb.csv", "holds U+000A, a control character; rename the file")]
    [InlineData("a\0b.csv", "holds U+0000, a control character; rename the file")]
    [InlineData("a\tb.csv", "holds U+0009, a control character; rename the file")]
    [InlineData("a\u001b[2Kb.csv", "holds U+001B, a control character; rename the file")]
    [InlineData("invoice\u202Evsc.exe.csv", "holds U+202E, a bidirectional text control; rename the file")]
    [InlineData("{0}.csv", "the file name is 256 bytes long in UTF-8; at most 255 are accepted")]
    [InlineData("{1}.csv", "the file name is 10004 bytes long in UTF-8; at most 255 are accepted")]
    // Past the form reader's 16 KB of part headers: it was a 413 "file too large" for a file of a few bytes.
    [InlineData("{2}.csv", "a part of the form has headers over 16384 bytes: a file name is at most 255 UTF-8 bytes")]
    public async Task AFileNameThatCouldPassForOtherTextOrIsTooLongIs400(string name, string problem)
    {
        name = string.Format(name, new string('é', 126), new string('x', 10_000), new string('x', 20_000));
        var before = await FileCountAsync();

        var response = await Http.PostAsync("/v1/files", Form(name));

        var error = await FineTuningErrorTests.AssertErrorAsync(response, HttpStatusCode.BadRequest, "file");
        Assert.EndsWith(problem, error.GetProperty("message").GetString());
        Assert.Equal("invalid_file_name", error.GetProperty("code").GetString());
        Assert.Equal(before, await FileCountAsync());
    }

    [Fact]
    public async Task AFileNameOf255BytesIsKept()
    {
        string name = new string('é', 125) + "a.csv";

        var response = await Http.PostAsync("/v1/files", Form(name));

        var file = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(HttpStatusCode.OK == response.StatusCode, file.ToString());
        Assert.Equal(name, file.GetProperty("filename").GetString());
        await Http.DeleteAsync($"/v1/files/{file.GetProperty("id").GetString()}");
    }

    /// <summary>
    /// Queued and paused jobs beyond <c>MaxQueuedJobs</c> are refused as OpenAI refuses too many active jobs (429,
    /// <c>rate_limit_exceeded</c>), telling OpenAI's other libraries not to retry at once but after <c>Retry-After</c>
    /// (a minute); the message said the server's own option, which no client can change, and now says that to the log.
    /// </summary>
    [Fact]
    public async Task AJobBeyondTheQueuedOrPausedLimitIs429UntilOneMakesRoom()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "full-queue-store"), fixture.Tiny.BaseModel, maxQueuedJobs: 2);
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.LongChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var client = service.OpenAI.GetFineTuningClient();
        var longJob = new FineTuningOptions
        {
            TrainingMethod = FineTuningTrainingMethod.CreateSupervised(HyperparameterBatchSize.CreateSize(1), HyperparameterEpochCount.CreateEpochCount(50), HyperparameterLearningRate.CreateAuto()),
        };
        // Paused, so that neither is running (which the limit does not count) whatever the queue has started.
        var waiting = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            var job = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, longJob);
            var pause = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{job.JobId}/pause", null);
            Assert.Equal("paused", (await pause.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
            waiting.Add(job.JobId);
        }

        var refused = await service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file.Id });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("false", refused.Headers.GetValues("x-should-retry").Single());
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        // What the client can do, and when: the server's option is no client's to change, so it is named in the log only.
        Assert.Equal("2 jobs are queued or paused, the most this service holds; retry after one of them has started " +
            "(jobs start as running ones finish, so try again in a minute or later), or cancel one of yours", error.GetProperty("message").GetString());
        Assert.Equal(TimeSpan.FromSeconds(60), refused.Headers.RetryAfter?.Delta);
        Assert.Contains(service.Logs.Lines, line => line.Contains("the most --max-queued-jobs 2 lets wait", StringComparison.Ordinal));
        var library = await Assert.ThrowsAsync<ClientResultException>(() => client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false));
        Assert.Equal(429, library.Status);
        Assert.Equal(2, (await service.Http.GetFromJsonAsync<JsonElement>("/v1/fine_tuning/jobs")).GetProperty("data").GetArrayLength());
        // A request that can never succeed is told so while the queue is full, rather than to wait (which the SDK retries).
        var mistyped = await service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = "file-nope" });
        Assert.Equal(HttpStatusCode.BadRequest, mistyped.StatusCode);
        var mistypedError = (await mistyped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("training_file", mistypedError.GetProperty("param").GetString());
        Assert.Contains("'file-nope' does not exist", mistypedError.GetProperty("message").GetString());

        (await service.Http.PostAsync($"/v1/fine_tuning/jobs/{waiting[0]}/cancel", null)).EnsureSuccessStatusCode();
        var accepted = await service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new { model = "tiny", training_file = file.Id });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    // A form as browsers and curl send one, the name given as RFC 5987 filename* (UTF-8, percent-encoded), so that
    // any character reaches the service as the client's own.
    private static ByteArrayContent Form(string name)
    {
        var body = "--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
            + $"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.csv\"; filename*=UTF-8''{Uri.EscapeDataString(name)}\r\n\r\ntext,label\na,x\nb,y\n\r\n--b--\r\n";
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        return content;
    }

    private async Task<int> FileCountAsync() =>
        (await Http.GetFromJsonAsync<JsonElement>("/v1/files")).GetProperty("data").GetArrayLength();
}
