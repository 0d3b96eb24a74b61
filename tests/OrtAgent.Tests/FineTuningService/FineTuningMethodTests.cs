#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Chat;
using OpenAI.FineTuning;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The few-label method through the API: <c>method.type</c> <c>contrastive</c> trains SetFit-style, and <c>auto</c>
/// settles at creation on supervised or contrastive by <c>ortagent train --method auto</c>'s rule, on the examples per
/// label left after the validation hold-out. Before, every job trained by standard fine-tuning and other types were refused.
/// </summary>
public sealed class FineTuningMethodTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private ServiceUnderTest Service => fixture.Service;

    private async Task<string> UploadAsync(string path) =>
        (await Service.OpenAI.GetOpenAIFileClient().UploadFileAsync(path, OpenAI.Files.FileUploadPurpose.FineTune)).Value.Id;

    private Task<HttpResponseMessage> CreateAsync(object body) => Service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", body);

    private async Task<JsonElement> CreatedAsync(object body)
    {
        using var response = await CreateAsync(body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<List<string>> MessagesAsync(string jobId)
    {
        var events = await Service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}/events?limit=100");
        return [.. events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("message").GetString()!)];
    }

    private async Task CancelAsync(string jobId)
    {
        using (await Service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/cancel", null)) { }
    }

    [Fact]
    public async Task AContrastiveJobTrainsReportsItsMethodToTheOpenAILibraryAndItsModelClassifies()
    {
        var file = await UploadAsync(fixture.ChatFile);

        var created = await CreatedAsync(new
        {
            model = "tiny", training_file = file, seed = 5, suffix = "pairs",
            method = new { type = "contrastive", contrastive = new { hyperparameters = new { n_epochs = 2, batch_size = 16, learning_rate_multiplier = 50, pair_rounds = 3 } } },
        });

        var method = created.GetProperty("method");
        Assert.Equal("contrastive", method.GetProperty("type").GetString());
        Assert.False(method.TryGetProperty("supervised", out _));
        var hyperparameters = method.GetProperty("contrastive").GetProperty("hyperparameters");
        Assert.Equal((2, 16, 50.0, 3), (hyperparameters.GetProperty("n_epochs").GetInt32(), hyperparameters.GetProperty("batch_size").GetInt32(),
            hyperparameters.GetProperty("learning_rate_multiplier").GetDouble(), hyperparameters.GetProperty("pair_rounds").GetInt32()));
        string jobId = created.GetProperty("id").GetString()!;

        // The official library reads the job back, alone and listed, whatever it makes of the method it does not know.
        var client = Service.OpenAI.GetFineTuningClient();
        FineTuningJob job = await client.GetJobAsync(jobId);
        Assert.Equal(jobId, job.JobId);
        Assert.Null(job.MethodHyperparameters);   // its typed hyperparameters know OpenAI's methods only
        var listed = new List<string>();
        await foreach (var j in client.GetJobsAsync(new FineTuningJobCollectionOptions { PageSize = 100 })) listed.Add(j.JobId);
        Assert.Contains(jobId, listed);

        var done = await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        string model = done.GetProperty("fine_tuned_model").GetString()!;
        Assert.Equal($"ft:tiny:pairs:{jobId}", model);
        Assert.Equal("contrastive", done.GetProperty("method").GetProperty("type").GetString());
        Assert.True(done.GetProperty("trained_tokens").GetInt64() > 0);

        var messages = await MessagesAsync(jobId);
        Assert.Contains("Training method: contrastive (asked for)", messages);
        Assert.Contains(messages, m => m.StartsWith("Step ", StringComparison.Ordinal) && m.Contains(": sentence-pair loss=", StringComparison.Ordinal));
        // 36 training examples (4 held out) at 3 rounds: 216 pairs, 14 steps of 16 per epoch, 28 in all.
        Assert.Contains(messages, m => m.StartsWith("Classifier head fitted on the encoder after 2 epochs over sentence pairs (step 28): validation loss=", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.StartsWith("Epoch ", StringComparison.Ordinal));
        var checkpoint = Assert.Single((await Service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}/checkpoints")).GetProperty("data").EnumerateArray());
        Assert.Equal(28, checkpoint.GetProperty("step_number").GetInt32());
        Assert.Single(done.GetProperty("result_files").EnumerateArray());

        ChatCompletion completion = await Service.OpenAI.GetChatClient(model).CompleteChatAsync(
            [new SystemChatMessage("Classify the sentiment."), new UserChatMessage("the food was really excellent")]);
        Assert.Contains(completion.Content[0].Text, new[] { "positive", "negative" });
    }

    /// <summary>
    /// A paused contrastive job resumes from its checkpoint as a contrastive job: the runner passes the recorded method
    /// again (a standard run over pair-similarity artifacts is refused), and the steps go on over sentence pairs.
    /// </summary>
    [Fact]
    public async Task APausedContrastiveJobResumesContrastivelyFromItsCheckpoint()
    {
        var created = await CreatedAsync(new
        {
            model = "tiny", training_file = await UploadAsync(fixture.LongChatFile),
            // 360 training examples at 20 rounds, one pair a step: 14,400 steps, long enough to pause midway.
            method = new { type = "contrastive", contrastive = new { hyperparameters = new { batch_size = 1 } } },
        });
        string jobId = created.GetProperty("id").GetString()!;
        var job = await Service.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await FineTuningServiceTests.MetricSteps(job)).DefaultIfEmpty(0).Max() < 10)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job never trained");
            await Task.Delay(50);
        }

        using (var pause = await Service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/pause", null))
            Assert.True(pause.IsSuccessStatusCode, await pause.Content.ReadAsStringAsync());
        using (var resume = await Service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/resume", null))
            Assert.True(resume.IsSuccessStatusCode, await resume.Content.ReadAsStringAsync());
        long resumedAt = -1;
        var until = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var messages = await MessagesAsync(jobId);
            var resumed = messages.FirstOrDefault(m => m.StartsWith("Resumed fine-tuning from the checkpoint at step ", StringComparison.Ordinal));
            if (resumed is not null)
            {
                resumedAt = long.Parse(resumed["Resumed fine-tuning from the checkpoint at step ".Length..]);
                if ((await FineTuningServiceTests.MetricSteps(job)).Max() > resumedAt) break;
            }
            Assert.DoesNotContain(messages, m => m.StartsWith("Fine-tuning job failed", StringComparison.Ordinal));
            Assert.True(DateTime.UtcNow < until, "the job did not train on after its resume");
            await Task.Delay(100);
        }
        await CancelAsync(jobId);

        var all = await MessagesAsync(jobId);
        Assert.True(resumedAt >= 10, $"resumed at {resumedAt}");
        Assert.Contains(all, m => m.StartsWith($"Step {resumedAt + 5 - resumedAt % 5}/14400: sentence-pair loss=", StringComparison.Ordinal));
        var steps = await FineTuningServiceTests.MetricSteps(job);
        Assert.Equal(steps.Count, steps.Distinct().Count());   // none trained twice
        Assert.Equal("contrastive", FineTuningServiceFixture.Json(await Service.OpenAI.GetFineTuningClient().GetJobAsync(jobId)).GetProperty("method").GetProperty("type").GetString());
    }

    /// <summary>
    /// Auto counts what training trains on: 70 examples per label lose 7 each to the 10% hold-out, 63 &lt; 64, so
    /// contrastive; 71 lose 7 too and keep 64, so supervised; with a validation file nothing is held out.
    /// </summary>
    [Theory]
    [InlineData(140, false, "contrastive", "auto: the smallest class has 63 training examples, fewer than 64")]
    [InlineData(142, false, "supervised", "auto: every class has at least 64 training examples (smallest 64)")]
    [InlineData(128, true, "supervised", "auto: every class has at least 64 training examples (smallest 64)")]
    public async Task AutoSettlesTheMethodAtCreationOnTheExamplesTrainedOn(int rows, bool validationFile, string type, string reason)
    {
        var file = await UploadAsync(fixture.Tiny.WriteChatJsonl($"auto-{rows}.jsonl", rows, seed: 12));
        string? validation = validationFile ? await UploadAsync(fixture.FewValidationFile) : null;

        var created = await CreatedAsync(new { model = "tiny", training_file = file, validation_file = validation, method = new { type = "auto" } });
        string jobId = created.GetProperty("id").GetString()!;
        await CancelAsync(jobId);

        var method = created.GetProperty("method");
        Assert.Equal(type, method.GetProperty("type").GetString());
        var hyperparameters = method.GetProperty(type).GetProperty("hyperparameters");
        Assert.Equal(type == "contrastive" ? 1 : 3, hyperparameters.GetProperty("n_epochs").GetInt32());
        if (type == "contrastive") Assert.Equal(20, hyperparameters.GetProperty("pair_rounds").GetInt32());
        else Assert.False(hyperparameters.TryGetProperty("pair_rounds", out _));
        Assert.Contains($"Training method: {type} ({reason})", await MessagesAsync(jobId));
    }

    [Fact]
    public async Task AJobWithoutAMethodIsSupervisedAsOpenAIClientsExpect()
    {
        var created = await CreatedAsync(new { model = "tiny", training_file = await UploadAsync(fixture.ChatFile) });
        string jobId = created.GetProperty("id").GetString()!;
        await CancelAsync(jobId);

        Assert.Equal("supervised", created.GetProperty("method").GetProperty("type").GetString());
        Assert.Contains("Training method: supervised (asked for)", await MessagesAsync(jobId));
    }

    public static TheoryData<string, string, string> BadMethods => new()
    {
        { """{"type": "setfit"}""", "method.type", "method.type 'setfit' is not supported" },
        { """{"type": "contrastive", "contrastive": {"hyperparameters": {"n_epochs": 0}}}""", "method.contrastive.hyperparameters.n_epochs", "n_epochs: 0 is out of range; give 1 to 50" },
        { """{"type": "contrastive", "contrastive": {"hyperparameters": {"batch_size": 4097}}}""", "method.contrastive.hyperparameters.batch_size", "batch_size: 4097 is out of range; give 1 to 4096" },
        { """{"type": "contrastive", "contrastive": {"hyperparameters": {"pair_rounds": 0}}}""", "method.contrastive.hyperparameters.pair_rounds", "pair_rounds: 0 is out of range; give 1 to 2147483647" },
        { """{"type": "contrastive", "contrastive": {"hyperparameters": {"pair_rounds": 1.5}}}""", "method.contrastive.hyperparameters.pair_rounds", "1.5 is not a whole number" },
        { """{"type": "contrastive", "contrastive": {"hyperparameters": {"pair_rounds": 1000000}}}""", "method.contrastive.hyperparameters.pair_rounds", "at most 10,000,000 are sampled" },
        { """{"type": "contrastive", "contrastive": {"hyperparameters": {"learning_rate_multiplier": 0}}}""", "method.contrastive.hyperparameters.learning_rate_multiplier", "the learning rate, 0.00002 × learning_rate_multiplier," },
        { """{"type": "contrastive", "contrastive": {"hyperparameters": {"head_c": 1}}}""", "method.contrastive.hyperparameters.head_c", "unrecognized request argument 'method.contrastive.hyperparameters.head_c'" },
        { """{"type": "contrastive", "supervised": {"hyperparameters": {"n_epochs": 2}}}""", "method.supervised", "unrecognized request argument 'method.supervised'" },
        { """{"type": "supervised", "supervised": {"hyperparameters": {"pair_rounds": 2}}}""", "method.supervised.hyperparameters.pair_rounds", "unrecognized request argument" },
        { """{"type": "auto", "auto": {"hyperparameters": {"n_epochs": 2}}}""", "method.auto", "method 'auto' takes no hyperparameters (method.auto was given)" },
        { """{"type": "auto", "contrastive": {"hyperparameters": {"n_epochs": 2}}}""", "method.contrastive", "method 'auto' takes no hyperparameters (method.contrastive was given)" },
    };

    [Theory]
    [MemberData(nameof(BadMethods))]
    public async Task ABadMethodOrHyperparameterIsA400NamingTheField(string method, string param, string message)
    {
        var file = await UploadAsync(fixture.ChatFile);
        var body = JsonDocument.Parse($$"""{"model": "tiny", "training_file": "{{file}}", "method": {{method}}}""").RootElement;

        var error = await FineTuningErrorTests.AssertErrorAsync(await CreateAsync(body), HttpStatusCode.BadRequest, param);

        Assert.Contains(message, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task HyperparametersOutsideTheMethodTheyBelongToAreRefused()
    {
        var file = await UploadAsync(fixture.ChatFile);

        var auto = await FineTuningErrorTests.AssertErrorAsync(await CreateAsync(new
        {
            model = "tiny", training_file = file, hyperparameters = new { n_epochs = 2 }, method = new { type = "auto" },
        }), HttpStatusCode.BadRequest, "hyperparameters.n_epochs");
        Assert.StartsWith("method 'auto' takes no hyperparameters (n_epochs was given)", auto.GetProperty("message").GetString());

        var contrastive = await FineTuningErrorTests.AssertErrorAsync(await CreateAsync(new
        {
            model = "tiny", training_file = file, hyperparameters = new { n_epochs = 2 }, method = new { type = "contrastive" },
        }), HttpStatusCode.BadRequest, "hyperparameters");
        Assert.Contains("give a contrastive job's under method.contrastive.hyperparameters", contrastive.GetProperty("message").GetString());
    }
}
