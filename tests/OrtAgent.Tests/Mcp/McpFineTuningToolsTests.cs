using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;
using OrtAgent.Tests.Commands;
using OrtAgent.Tests.FineTuningService;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// The fine-tuning tools on <c>serve --fine-tuning</c>'s <c>/mcp</c>: an agent with labelled examples starts a job,
/// polls it and classifies with the model it produced, through the SDK's HTTP client; mistakes are tool errors.
/// </summary>
public sealed class McpFineTuningToolsTests : IDisposable
{
    private readonly TinyTrainingFixture _tiny = new();

    /// <summary>
    /// learning_rate_multiplier's description said "above 0 and at most 100" after the service began refusing a
    /// multiplier whose rate (5e-5 × it) is no normal float32, so a model that followed it could be refused. The range it
    /// states now is the service's, to the digits it gives: its lower end passes that check, a multiplier just below fails.
    /// </summary>
    [Fact]
    public void TheLearningRateMultiplierIsDescribedWithTheRangeTheServiceAccepts()
    {
        var description = typeof(OrtAgent.Mcp.FineTuningTools).GetMethod(nameof(OrtAgent.Mcp.FineTuningTools.StartFineTuning))!.GetParameters()
            .Single(p => p.Name == "learning_rate_multiplier").GetCustomAttributes(typeof(System.ComponentModel.DescriptionAttribute), false)
            .Cast<System.ComponentModel.DescriptionAttribute>().Single().Description;

        Assert.Contains("the job trains at 5e-5 × this (supervised) or 2e-5 × this (contrastive). A number from 2.4e-34 (supervised) or 5.9e-34 (contrastive) to 100", description);
        Assert.Equal(5e-5, Training.Trainer.FineTuningOptions.DefaultLearningRate);
        Assert.Equal(2e-5, new Training.Contrastive.ContrastiveOptions().LearningRate);
        // The numbers described, against the service's own rule.
        Assert.True(FineTuningJobs.AcceptsLearningRateMultiplier(2.4e-34));
        Assert.False(FineTuningJobs.AcceptsLearningRateMultiplier(2.3e-34));
        Assert.True(FineTuningJobs.AcceptsLearningRateMultiplier(5.9e-34, Training.Trainer.TrainingMethod.Contrastive));
        Assert.False(FineTuningJobs.AcceptsLearningRateMultiplier(5.8e-34, Training.Trainer.TrainingMethod.Contrastive));
        foreach (var method in new[] { Training.Trainer.TrainingMethod.Standard, Training.Trainer.TrainingMethod.Contrastive })
        {
            Assert.True(FineTuningJobs.AcceptsLearningRateMultiplier(100, method));
            Assert.False(FineTuningJobs.AcceptsLearningRateMultiplier(100.001, method));
        }
    }

    /// <summary>
    /// The descriptions spoke of job_id and fine_tuned_model while the results held jobId and fineTunedModel. Every
    /// snake_case name a description gives is now a tool, an argument or a field of the output, on both transports; and
    /// each transport's start_fine_tuning says what its training_file may be and how long its job trains.
    /// </summary>
    [Fact]
    public async Task EachTransportsDescriptionsNameOnlyWhatItsToolsTakeAndReturn()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "words-store"), _tiny.BaseModel);
        await using var overHttp = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
        await using var overStdio = await OrtAgentMcpProcess.ConnectAsync(["--fine-tuning", "--store", Path.Combine(_tiny.Root, "words-stdio-store"), "--base-model", $"tiny={_tiny.BaseModel}"]);
        var http = await overHttp.ListToolsAsync();
        var stdio = await overStdio.ListToolsAsync();

        McpToolVocabulary.AssertDescriptionsNameOnlyWhatTheToolsHave(http);
        McpToolVocabulary.AssertDescriptionsNameOnlyWhatTheToolsHave(stdio);
        var (remote, local) = (http.Single(t => t.Name == "start_fine_tuning"), stdio.Single(t => t.Name == "start_fine_tuning"));
        string Argument(McpClientTool tool, string name) => tool.JsonSchema.GetProperty("properties").GetProperty(name).GetProperty("description").GetString()!;
        // Over HTTP a path is refused, so no description offers one; over stdio the path is the usual way.
        Assert.DoesNotContain("the path", Argument(remote, "training_file"));
        Assert.DoesNotContain("path", Argument(remote, "validation_file"));
        Assert.Contains("does not read paths", Argument(remote, "training_file"));
        // Inline examples over the body limit are a 413 at the transport, which an agent sees as the server failing: the
        // description names this server's limit (it said "1 MiB by default", which serve had no option to change).
        Assert.Contains("in one request, of at most 15425728 bytes (14.7 MiB) on this server: a larger set of examples is uploaded to /v1/files first", Argument(remote, "training_file"));
        // Left unset, a client takes a tool that is not read-only as destructive (the MCP default); starting a job destroys nothing.
        Assert.False(remote.ProtocolTool.Annotations!.DestructiveHint);
        Assert.StartsWith("Where the training examples are: the absolute path of a .jsonl, .csv or .tsv file on this machine", Argument(local, "training_file"));
        Assert.Contains("a relative path is read from the server's working directory", Argument(local, "training_file"));
        Assert.Contains("as a path or file id", Argument(local, "validation_file"));
        // Over stdio the job lives in the server's process.
        Assert.Contains("it goes on when you disconnect", remote.Description);
        Assert.DoesNotContain("only while this server runs", remote.Description);
        Assert.Contains("only while this server runs", local.Description);
        Assert.Contains("run 'ortagent serve --fine-tuning'", local.Description);
        Assert.Equal(remote.Description.Split(" The job trains")[0], local.Description.Split(" The job trains")[0]);
    }

    /// <summary>A base encoder named to classify_text was "no model is named 'tiny'"; it is told as the chat route tells it.</summary>
    [Fact]
    public async Task ABaseEncoderIsToldToBeFineTunedFirst()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "base-store"), _tiny.BaseModel);
        var (_, model) = ServedModelsTests.AddFineTunedModel(service.App.Services.GetRequiredService<FineTuningStore>());
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);

        Assert.Equal($"'tiny' is a base encoder without a classifier head; fine-tune it first and use the fine-tuned model; the models to classify with are: {model}",
            await client.CallFailingAsync("classify_text", new() { ["text"] = "good", ["model"] = "tiny" }));
        Assert.StartsWith("no model is named 'other'", await client.CallFailingAsync("classify_text", new() { ["text"] = "good", ["model"] = "other" }));
    }

    [Fact]
    public async Task AnAgentTrainsFromInlineExamplesPollsTheJobAndClassifiesWithTheModel()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "store"), _tiny.BaseModel);
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);

        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);
        Assert.Equal(["cancel_fine_tuning_job", "classify_text", "explain_text", "get_fine_tuning_job", "list_fine_tuning_jobs", "list_models", "resume_fine_tuning_job", "start_fine_tuning"],
            tools.Keys.Order());
        Assert.Empty((await client.CallAsync("list_models", [])).GetProperty("models").EnumerateArray());
        Assert.StartsWith("no model is served yet", await client.CallFailingAsync("classify_text", new() { ["text"] = "good" }));

        var examples = File.ReadAllText(_tiny.WriteChatJsonl("agent.jsonl", 40, seed: 3));
        var started = await client.CallAsync("start_fine_tuning", new()
        {
            ["training_data"] = examples, ["model"] = "tiny", ["suffix"] = "agent", ["method"] = "supervised",
            ["n_epochs"] = 2, ["batch_size"] = 8, ["learning_rate_multiplier"] = 100, ["seed"] = 7,
        });
        string jobId = started.GetProperty("job_id").GetString()!;
        Assert.StartsWith("ftjob-", jobId);
        Assert.Equal(7, started.GetProperty("settings").GetProperty("seed").GetInt32());
        Assert.Equal(2, started.GetProperty("settings").GetProperty("epochs").GetInt32());

        McpToolVocabulary.AssertResultHasOnlySchemaFields(tools["start_fine_tuning"], started);

        McpOutputSchema.AssertMatches(tools["start_fine_tuning"], started);

        var done = await PollAsync(client, jobId);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        McpToolVocabulary.AssertResultHasOnlySchemaFields(tools["get_fine_tuning_job"], done);
        McpOutputSchema.AssertMatches(tools["get_fine_tuning_job"], done);
        string model = done.GetProperty("fine_tuned_model").GetString()!;
        Assert.Equal($"ft:tiny:agent:{jobId}", model);
        // 40 examples hold out 4 for validation: too few for its accuracy to mean much, which the hint says.
        Assert.Equal($"Classify with classify_text using model '{model}'. Its validation figures rest on 4 texts only (under 20), "
            + "too few to say how accurate it is: try it on texts whose labels you know before relying on it, or train again with more examples.", done.GetProperty("next").GetString());
        Assert.InRange(done.GetProperty("latest_metrics").GetProperty("valid_mean_token_accuracy").GetDouble(), 0, 1);
        // The report gave full_valid_* beside valid_*, the same numbers (every evaluation is of the whole set); the API's
        // checkpoint keeps OpenAI's shape, the report what means something, and how many texts it rests on.
        var metrics = done.GetProperty("latest_metrics");
        Assert.Equal(["step", "train_loss", "valid_examples", "valid_loss", "valid_mean_token_accuracy"], metrics.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(4, metrics.GetProperty("valid_examples").GetInt64());
        var checkpoint = (await service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}/checkpoints")).GetProperty("data")[0].GetProperty("metrics");
        Assert.Equal(checkpoint.GetProperty("valid_loss").GetDouble(), checkpoint.GetProperty("full_valid_loss").GetDouble());
        Assert.Equal(checkpoint.GetProperty("valid_loss").GetDouble(), metrics.GetProperty("valid_loss").GetDouble());
        Assert.True(done.GetProperty("trained_tokens").GetInt64() > 0);
        Assert.Contains(done.GetProperty("recent_events").EnumerateArray(), e => e.GetString()!.Contains("successfully completed"));

        var models = await client.CallAsync("list_models", []);
        McpToolVocabulary.AssertResultHasOnlySchemaFields(tools["list_models"], models);
        McpOutputSchema.AssertMatches(tools["list_models"], models);
        var listed = Assert.Single(models.GetProperty("models").EnumerateArray());
        Assert.Equal(model, listed.GetProperty("name").GetString());
        Assert.Equal(["negative", "positive"], listed.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).Order());

        // The tool answers with the same classifier as /predict, for the model the job produced.
        const string text = "the food was really excellent";
        var classified = (await client.CallAsync("classify_text", new() { ["text"] = text, ["model"] = model })).GetProperty("results")[0];
        var predict = await service.Http.PostAsJsonAsync("/predict", new { inputs = text, model });
        predict.EnsureSuccessStatusCode();
        var scores = await predict.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(scores[0].GetProperty("label").GetString(), classified.GetProperty("label").GetString());
        Assert.Equal(scores[0].GetProperty("score").GetDouble(), classified.GetProperty("score").GetDouble(), 5);

        // explain_text waits in the service's queue of explanations, whose places are the service's limit: with every
        // place taken, it is told the server is busy.
        var queue = service.App.Services.GetRequiredService<ExplanationQueue>();
        int taken = 0;
        while (queue.TryEnter()) taken++;
        Assert.Equal(new ServingOptions().MaxExplanationsInFlight, taken);
        Assert.StartsWith($"the server is busy: {taken} explanations are already running or waiting",
            await client.CallFailingAsync("explain_text", new() { ["text"] = text, ["model"] = model }));
        for (; taken > 0; taken--) queue.Leave();
    }

    /// <summary>
    /// An agent that names no method gets auto: on a few dozen examples per label it trains contrastively (before, the
    /// tool always fine-tuned the standard way), says so in the job's settings and events, and the model classifies.
    /// </summary>
    [Fact]
    public async Task AnAgentsFewExamplesTrainContrastivelyByDefaultAndTheModelClassifies()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "auto-store"), _tiny.BaseModel);
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);

        var started = await client.CallAsync("start_fine_tuning", new()
        {
            ["training_data"] = File.ReadAllText(_tiny.WriteChatJsonl("few.jsonl", 40, seed: 3)), ["model"] = "tiny", ["seed"] = 3,
        });
        McpToolVocabulary.AssertResultHasOnlySchemaFields(tools["start_fine_tuning"], started);
        McpOutputSchema.AssertMatches(tools["start_fine_tuning"], started);
        var settings = started.GetProperty("settings");
        // 36 training examples at the default 20 rounds are 90 steps of 16 pairs, under the least 100 a run takes: 23 rounds.
        Assert.Equal(("contrastive", 1, 23), (settings.GetProperty("method").GetString(), settings.GetProperty("epochs").GetInt32(), settings.GetProperty("pair_rounds").GetInt32()));
        Assert.Contains(started.GetProperty("recent_events").EnumerateArray(),
            e => e.GetString()!.EndsWith("info: Training method: contrastive (auto: the smallest class has 18 training examples, fewer than 64)", StringComparison.Ordinal));
        string jobId = started.GetProperty("job_id").GetString()!;

        var done = await PollAsync(client, jobId);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal("contrastive", done.GetProperty("settings").GetProperty("method").GetString());
        Assert.InRange(done.GetProperty("latest_metrics").GetProperty("valid_mean_token_accuracy").GetDouble(), 0, 1);
        var classified = (await client.CallAsync("classify_text", new() { ["text"] = "the food was really excellent", ["model"] = done.GetProperty("fine_tuned_model").GetString()! }))
            .GetProperty("results")[0];
        Assert.Contains(classified.GetProperty("label").GetString(), new[] { "positive", "negative" });

        // A method chosen explicitly takes its hyperparameters, in its own meaning.
        var chosen = await client.CallAsync("start_fine_tuning", new()
        {
            ["training_data"] = File.ReadAllText(_tiny.WriteChatJsonl("few.jsonl", 40, seed: 3)), ["model"] = "tiny", ["method"] = "contrastive", ["n_epochs"] = 2, ["batch_size"] = 32,
        });
        var chosenSettings = chosen.GetProperty("settings");
        Assert.Equal(("contrastive", 2, 32), (chosenSettings.GetProperty("method").GetString(), chosenSettings.GetProperty("epochs").GetInt32(), chosenSettings.GetProperty("batch_size").GetInt32()));
        using (await service.Http.PostAsync($"/v1/fine_tuning/jobs/{chosen.GetProperty("job_id").GetString()}/cancel", null)) { }
    }

    /// <summary>
    /// An agent polling a job someone paused is told to stop polling, and how the job continues: the hint named
    /// POST /v1/fine_tuning/jobs/{id}/resume, which an agent over stdio has not got; resume_fine_tuning_job continues it.
    /// </summary>
    [Fact]
    public async Task APausedJobTellsTheAgentHowItContinues()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "paused-store"), _tiny.BaseModel);
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
        var started = await client.CallAsync("start_fine_tuning", new()
        {
            ["training_data"] = File.ReadAllText(_tiny.WriteChatJsonl("paused.jsonl", 400, seed: 4)), ["model"] = "tiny", ["method"] = "supervised", ["n_epochs"] = 50, ["batch_size"] = 1,
        });
        string jobId = started.GetProperty("job_id").GetString()!;

        var pause = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/pause", null);
        Assert.True(pause.IsSuccessStatusCode, await pause.Content.ReadAsStringAsync());

        var report = await client.CallAsync("get_fine_tuning_job", new() { ["job_id"] = jobId });
        Assert.Equal("paused", report.GetProperty("status").GetString());
        Assert.Equal($"The job is paused at a checkpoint: call resume_fine_tuning_job with job_id '{jobId}' to continue it from there, or cancel_fine_tuning_job to drop it.",
            report.GetProperty("next").GetString());

        var resumed = await client.CallAsync("resume_fine_tuning_job", new() { ["job_id"] = jobId });
        Assert.Contains(resumed.GetProperty("status").GetString(), new[] { "queued", "running" });
        // Only a paused job resumes: the service's refusal, in the tool's terms. The resumed job may have left the
        // queue for training between the two calls, so either status is the truth when the refusal is written.
        Assert.Matches($"^job_id: job {jobId} has status '(queued|running)'; only paused jobs can be resumed$",
            await client.CallFailingAsync("resume_fine_tuning_job", new() { ["job_id"] = jobId }));
        using (await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/cancel", null)) { }
    }

    /// <summary>
    /// A job paused between two step reports had no report of where it stopped, so get_fine_tuning_job gave it
    /// <c>progress: null</c> while its events said "paused at step 7": the pause reports its last step first.
    /// </summary>
    [Fact]
    public async Task AJobPausedBetweenStepReportsReportsItsProgress()
    {
        string store = Path.Combine(_tiny.Root, "paused-progress-store");
        // No report but at an epoch's end (3,600 steps here), so that only the pause's own report can give the progress.
        await using var service = await ServiceUnderTest.StartAsync(store, _tiny.BaseModel, metricsEvery: 100_000);
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: null);
        var started = await client.CallAsync("start_fine_tuning", new()
        {
            ["training_data"] = File.ReadAllText(_tiny.WriteChatJsonl("paused-progress.jsonl", 4000, seed: 7)), ["model"] = "tiny", ["method"] = "supervised", ["n_epochs"] = 2, ["batch_size"] = 1,
        });
        string jobId = started.GetProperty("job_id").GetString()!;
        // Until it has trained a few steps, as its step CSV shows (a header and a row a step).
        await OrtAgent.Tests.Serving.Eventually.ReturnsAsync(() => Task.FromResult(Directory.GetFiles(store, OrtAgent.FineTuningService.Jobs.JobRunner.StepMetricsFileName, SearchOption.AllDirectories)
            .Sum(path => File.ReadLines(path).Count())), lines => lines >= 4);

        var pause = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/pause", null);
        Assert.True(pause.IsSuccessStatusCode, await pause.Content.ReadAsStringAsync());
        var report = await OrtAgent.Tests.Serving.Eventually.ReturnsAsync(() => client.CallAsync("get_fine_tuning_job", new() { ["job_id"] = jobId }),
            r => r.GetProperty("status").GetString() == "paused");

        var progress = report.GetProperty("progress");
        Assert.Equal(JsonValueKind.Object, progress.ValueKind);
        long step = progress.GetProperty("step").GetInt64();
        Assert.InRange(step, 3, 3000);
        Assert.True(progress.GetProperty("total_steps").GetInt64() > 6000, report.ToString());
        Assert.Contains(report.GetProperty("recent_events").EnumerateArray(), e => e.GetString()!.Contains("paused at step", StringComparison.Ordinal));
        using (await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/cancel", null)) { }
    }

    [Fact]
    public async Task MistakesAreToolErrorsThatSayWhatToFix()
    {
        // A store of its own: the end checks that the refused calls left no file in it.
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(_tiny.Root, "mistakes-store"), _tiny.BaseModel);
        await using var client = await McpTestClients.ConnectHttpAsync(service.BaseAddress, ServiceUnderTest.ApiKey, protocolVersion: "2025-11-25");
        var examples = File.ReadAllText(_tiny.WriteChatJsonl("ok.jsonl", 40, seed: 5));

        Assert.StartsWith("give the examples as exactly one of", await client.CallFailingAsync("start_fine_tuning", new()));
        Assert.StartsWith("give the examples as exactly one of",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["training_file"] = "file-abc" }));
        // Over HTTP the server never reads paths on its own machine for the caller.
        string path = _tiny.WriteChatJsonl("local.jsonl", 40, seed: 6);
        Assert.Contains("must be the id of a file uploaded to this service", await client.CallFailingAsync("start_fine_tuning", new() { ["training_file"] = path }));
        // There is no inline form of validation examples: the message says what is possible instead.
        Assert.EndsWith("upload the validation examples through the service's files API (POST /v1/files, purpose fine-tune) and pass that id, or leave validation_file out to hold out 10% of the training examples",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["validation_file"] = "/etc/hosts" }));
        Assert.Contains("'file-nope' does not exist", await client.CallFailingAsync("start_fine_tuning", new() { ["training_file"] = "file-nope" }));
        // Inline examples are named as the agent gave them, not by the id of the file the service made of them.
        var malformed = await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples.Split('\n')[0] + "\nnot json\n" + examples });
        Assert.StartsWith("training_data line 2 column ", malformed);
        Assert.Contains("malformed JSON", malformed);
        // A row the base's tokenizer makes no token of (uncased, it drops a lone accent) is refused before a job is queued.
        var accent = examples.Split('\n')[0] + "\n{\"messages\": [{\"role\": \"user\", \"content\": \"\u0301\"}, {\"role\": \"assistant\", \"content\": \"negative\"}]}\n" + examples;
        Assert.Equal("training_data line 2: text has nothing to classify (column 'messages[user]'): it holds only combining-mark characters, which the tokenizer drops (U+0301)",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = accent, ["model"] = "tiny" }));
        var fewer = string.Join('\n', examples.Split('\n').Take(3));
        Assert.Equal("training_data: has 3 examples; at least 10 are required", await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = fewer }));
        // Inline examples are the training_file of the request the tool makes, which the agent never gave: not named.
        var oneOfEachLabel = "text,label\n" + string.Join('\n', Enumerable.Range(0, 10).Select(i => $"text number {i},label{i}"));
        Assert.Equal("training_data has too few examples to hold out validation: every label has only one; give validation examples of their own, or at least two examples of a label",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = oneOfEachLabel }));
        Assert.Contains("model 'gpt-4o' cannot be fine-tuned here", await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["model"] = "gpt-4o" }));
        // Ranges the schema gives are refused by them; one that depends on the method (batch_size) by the service.
        Assert.Equal("n_epochs: 0 is out of range; give 1 to 50", await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["model"] = "tiny", ["method"] = "supervised", ["n_epochs"] = 0 }));
        Assert.Equal("batch_size: 5000 is out of range; give 1 to 4096",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["model"] = "tiny", ["method"] = "contrastive", ["batch_size"] = 5000 }));
        Assert.Equal("batch_size: 600 is out of range; give 1 to 512",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["model"] = "tiny", ["method"] = "supervised", ["batch_size"] = 600 }));
        Assert.StartsWith("learning_rate_multiplier: 200 is out of range; give a value above 0 and at most 100, large enough",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["model"] = "tiny", ["method"] = "supervised", ["learning_rate_multiplier"] = 200 }));
        // Its schema has no lower bound: the service words the one there is.
        Assert.StartsWith("learning_rate_multiplier: 0 is out of range; give a value above 0 and at most 100, large enough",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["model"] = "tiny", ["method"] = "supervised", ["learning_rate_multiplier"] = 0 }));
        Assert.Equal("seed: 99999999999 is out of range; give 0 to 2147483647",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["seed"] = 99999999999 }));
        Assert.Equal("seed: -1 is out of range; give 0 to 2147483647",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["seed"] = -1 }));
        // With auto the method is not known yet, so neither is what a hyperparameter would mean.
        Assert.StartsWith("method 'auto' takes no hyperparameters (n_epochs was given)", await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["n_epochs"] = 2 }));
        Assert.Equal("'method' is 'setfit'; it must be 'auto', 'supervised' or 'contrastive'",
            await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["method"] = "setfit" }));
        Assert.Equal("job_id: no fine-tuning job with id 'ftjob-missing'", await client.CallFailingAsync("get_fine_tuning_job", new() { ["job_id"] = "ftjob-missing" }));
        Assert.Equal("events: 99 is out of range; give 0 to 20", await client.CallFailingAsync("get_fine_tuning_job", new() { ["job_id"] = "ftjob-missing", ["events"] = 99 }));
        Assert.StartsWith("argument 'n_epochs' of start_fine_tuning must be", await client.CallFailingAsync("start_fine_tuning", new() { ["training_data"] = examples, ["n_epochs"] = "two" }));

        // Nothing was queued by the refused calls, and the files made of their examples are gone again.
        var jobs = await service.Http.GetFromJsonAsync<JsonElement>("/v1/fine_tuning/jobs");
        Assert.Empty(jobs.GetProperty("data").EnumerateArray());
        var files = await service.Http.GetFromJsonAsync<JsonElement>("/v1/files");
        Assert.Empty(files.GetProperty("data").EnumerateArray());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_tiny.Root, "mistakes-store", "files")));
    }

    [Fact]
    public async Task OverStdioAnAgentTrainsFromAFileOnItsMachineAndTheModelIsServedAtOnce()
    {
        string store = Path.Combine(_tiny.Root, "stdio-store");
        string file = _tiny.WriteChatJsonl("local.jsonl", 40, seed: 3);
        await using var client = await OrtAgentMcpProcess.ConnectAsync(["--fine-tuning", "--store", store, "--base-model", $"tiny={_tiny.BaseModel}"]);

        Assert.Contains("start_fine_tuning", (await client.ListToolsAsync()).Select(t => t.Name));
        Assert.Contains("file not found", await client.CallFailingAsync("start_fine_tuning", new() { ["training_file"] = file + ".missing", ["model"] = "tiny" }));
        // The training file is copied into the store before the validation path is found missing; the copy goes again.
        Assert.StartsWith("'validation_file': ", await client.CallFailingAsync("start_fine_tuning", new() { ["training_file"] = file, ["validation_file"] = file + ".missing", ["model"] = "tiny" }));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store, "files")));
        Assert.StartsWith("'validation_file' is the 'training_file'", await client.CallFailingAsync("start_fine_tuning", new() { ["training_file"] = file, ["validation_file"] = file, ["model"] = "tiny" }));
        // The same file by another path, and through a link.
        string dotted = Path.Combine(Path.GetDirectoryName(file)!, ".", Path.GetFileName(file));
        string link = file + ".link.jsonl";
        File.CreateSymbolicLink(link, file);
        foreach (var other in new[] { dotted, link })
            Assert.StartsWith("'validation_file' is the 'training_file'", await client.CallFailingAsync("start_fine_tuning", new() { ["training_file"] = file, ["validation_file"] = other, ["model"] = "tiny" }));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store, "files")));
        var started = await client.CallAsync("start_fine_tuning", new()
        {
            ["training_file"] = file, ["model"] = "tiny", ["method"] = "supervised", ["n_epochs"] = 2, ["batch_size"] = 8, ["learning_rate_multiplier"] = 100, ["seed"] = 7,
        });
        string jobId = started.GetProperty("job_id").GetString()!;
        var done = await PollAsync(client, jobId);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        string model = done.GetProperty("fine_tuned_model").GetString()!;

        const string text = "the food was really excellent";
        var classified = (await client.CallAsync("classify_text", new() { ["text"] = text, ["model"] = model })).GetProperty("results")[0];
        using var direct = Runtime.TextClassifier.Load(Path.Combine(store, "models", jobId));
        var expected = direct.Predict(text);
        Assert.Equal(expected.Label, classified.GetProperty("label").GetString());
        Assert.Equal(expected.Score, classified.GetProperty("score").GetDouble(), 5);
    }

    /// <summary>
    /// A job started over stdio trains in the server's process. When the client goes away (stdin ends) the server stops
    /// the job at a checkpoint and leaves it running, for the next start on the store to resume, as Ctrl+C on serve does.
    /// </summary>
    [Fact]
    public async Task WhenItsClientGoesAwayTheStdioServerCheckpointsTheRunningJob()
    {
        string store = Path.Combine(_tiny.Root, "stdio-stop-store");
        string jobId;
        await using (var client = await OrtAgentMcpProcess.ConnectAsync(["--fine-tuning", "--store", store, "--base-model", $"tiny={_tiny.BaseModel}"]))
        {
            var started = await client.CallAsync("start_fine_tuning", new()
            {
                ["training_data"] = File.ReadAllText(_tiny.WriteChatJsonl("long.jsonl", 400, seed: 4)), ["model"] = "tiny", ["method"] = "supervised", ["n_epochs"] = 50, ["batch_size"] = 1,
            });
            jobId = started.GetProperty("job_id").GetString()!;
            // Past its first metrics event, the job has trained steps a stop must not lose.
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!(await client.CallAsync("get_fine_tuning_job", new() { ["job_id"] = jobId, ["events"] = 20 })).GetProperty("recent_events").EnumerateArray().Any(e => e.GetString()!.Contains(" info: Step ")))
            {
                Assert.True(DateTime.UtcNow < deadline, $"{jobId} reported no step in 2 minutes");
                await Task.Delay(100);
            }
        }   // closes the server's stdin, and waits for it to exit (killing it after 10 s)

        using var opened = FineTuningStore.Open(store);
        Assert.Equal(JobStatus.Running, opened.GetJob(jobId)!.Status);
        var stop = Assert.Single(opened.ListEvents(jobId, null, 100).Items, e => e.Message.StartsWith("The service stopped; ", StringComparison.Ordinal));
        Assert.Matches(@"^The service stopped; the job resumes from its checkpoint at step [1-9]\d* when the service starts again$", stop.Message);
    }

    [Fact]
    public async Task McpWithoutModelsOrFineTuningIsRefusedInOneLine()
    {
        using var process = OrtAgentMcpProcess.StartBare();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        Assert.Equal("error: mcp needs --model DIR (or --fine-tuning)", stderr.Trim());
    }

    private static async Task<JsonElement> PollAsync(McpClient client, string jobId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var job = await client.CallAsync("get_fine_tuning_job", new() { ["job_id"] = jobId, ["events"] = 20 });
            if (job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled") return job;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{jobId} is still {job.GetProperty("status").GetString()}");
            await Task.Delay(200);
        }
    }

    public void Dispose() => _tiny.Dispose();
}
