#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Chat;
using OpenAI.FineTuning;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>The fine-tuning workflow driven by the official OpenAI .NET library against the running service.</summary>
public sealed class FineTuningServiceTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private ServiceUnderTest Service => fixture.Service;

    [Fact]
    public async Task AJobCreatedWithHyperparametersTrainsAndReportsLikeOpenAI()
    {
        var trained = await fixture.TrainedAsync();
        var job = trained.Job;

        Assert.Equal(FineTuningStatus.Succeeded, job.Status);
        Assert.Equal($"ft:tiny:sentiment:{job.JobId}", trained.Model);
        var hyperparameters = Assert.IsType<HyperparametersForSupervised>(job.MethodHyperparameters);
        Assert.Equal(2, hyperparameters.EpochCount);
        Assert.Equal(8, hyperparameters.BatchSize);
        Assert.Equal(100f, hyperparameters.LearningRateMultiplier);
        Assert.Equal(7, job.Seed);
        Assert.Equal("sentiment", job.UserProvidedSuffix);
        Assert.Null(job.EstimatedFinishAt);
        Assert.True(trained.Final.GetProperty("trained_tokens").GetInt64() > 0, trained.Final.ToString());
        Assert.Equal(JsonValueKind.Null, trained.Final.GetProperty("error").ValueKind);
        Assert.True(trained.Final.GetProperty("finished_at").GetInt64() >= trained.Final.GetProperty("created_at").GetInt64());

        var events = new List<FineTuningEvent>();
        await foreach (var e in job.GetEventsAsync(new GetEventsOptions { PageSize = 7 })) events.Add(e);
        Assert.Contains(events, e => e.Message == "Fine-tuning job started");
        Assert.Contains(events, e => e.Message.StartsWith("The job has successfully completed", StringComparison.Ordinal));
        var metrics = events.Where(e => e.Kind == FineTuningJobEventKind.Metrics && e.Data.ToString().Contains("\"learning_rate\"")).ToList();
        Assert.NotEmpty(metrics);
        var step = JsonDocument.Parse(metrics[0].Data.ToString()).RootElement;
        Assert.True(step.GetProperty("learning_rate").GetDouble() > 0);
        // Newest first, as OpenAI lists them; paging (7 a page) must neither drop nor repeat one.
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.CreatedAt >= p.Second.CreatedAt));

        var checkpoints = new List<FineTuningCheckpoint>();
        await foreach (var c in job.GetCheckpointsAsync(new GetCheckpointsOptions())) checkpoints.Add(c);
        Assert.Equal(2, checkpoints.Count);   // one per epoch
        Assert.All(checkpoints, c =>
        {
            Assert.Equal(job.JobId, c.JobId);
            Assert.Equal($"{trained.Model}:ckpt-step-{c.StepNumber}", c.ModelId);
            Assert.NotNull(c.Metrics.TrainLoss);
            Assert.NotNull(c.Metrics.ValidLoss);
            Assert.InRange(c.Metrics.ValidMeanTokenAccuracy!.Value, 0f, 1f);
        });

        var result = Assert.Single(job.ResultFileIds);
        var csv = (await Service.OpenAI.GetOpenAIFileClient().DownloadFileAsync(result)).Value.ToString();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("step,epoch,train_loss,learning_rate,grad_norm,valid_loss,valid_mean_token_accuracy", lines[0]);
        // One row per step, as OpenAI's: the evaluations at the epochs' ends fill their steps' rows.
        var steps = lines.Skip(1).Select(line => long.Parse(line.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(step => (long)step), steps);
        Assert.Subset(steps.ToHashSet(), metrics.Select(m => JsonDocument.Parse(m.Data.ToString()).RootElement.GetProperty("step").GetInt64())
            .Union(checkpoints.Select(c => (long)c.StepNumber)).ToHashSet());
        Assert.All(checkpoints, c => Assert.NotEqual("", lines.Single(line => line.StartsWith($"{c.StepNumber},", StringComparison.Ordinal)).Split(',')[6]));
    }

    /// <summary>
    /// A job whose loss is not a number (here a base with NaN weights; in use, a multiplier too high) took every step on
    /// NaN weights and succeeded with a model that answers nothing. It now fails at the first such step, blaming the
    /// model (at step 1) or the learning rate multiplier (later, in the API's words), not the training file.
    /// </summary>
    [Fact]
    public async Task AJobWhoseLossIsNotANumberFailsNamingTheLearningRateMultiplier()
    {
        var poisoned = Path.Combine(fixture.Tiny.Root, "nan-base");
        Training.Encoders.TinyBertBuilder.WriteBaseModelWithNaNWeights(poisoned);
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "nan-store"), poisoned);
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false);

        var done = await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);

        Assert.Equal("failed", done.GetProperty("status").GetString());
        var error = done.GetProperty("error");
        Assert.Equal("training_diverged", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("the training loss at step 1 is NaN, before any update: the model trained from holds weights that are not numbers; start from another",
            error.GetProperty("message").GetString());
        Assert.Equal("the learning rate (0.00005 × hyperparameters.learning_rate_multiplier)",
            OrtAgent.FineTuningService.Jobs.JobMessageWording.InText(InvalidOptionException.Name<Training.Trainer.FineTuningOptions>(nameof(Training.Trainer.FineTuningOptions.LearningRate))));
    }

    /// <summary>
    /// A job whose held-out split was large enough to choose by stopped early once the tiny model had learnt the task:
    /// 4 of 20 epochs, while it reported n_epochs 20 and 20 epochs' trained_tokens. It now trains them all.
    /// </summary>
    [Fact]
    public async Task AJobTrainsEveryEpochItReportsEvenWhenValidationCouldStopItEarly()
    {
        var file = (await Service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.LongChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var options = new FineTuningOptions
        {
            TrainingMethod = FineTuningTrainingMethod.CreateSupervised(
                HyperparameterBatchSize.CreateSize(40), HyperparameterEpochCount.CreateEpochCount(6), HyperparameterLearningRate.CreateMultiplier(100)),
            Seed = 3,
        };
        var job = await Service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, options);

        var done = await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        var checkpoints = new List<FineTuningCheckpoint>();
        await foreach (var c in job.GetCheckpointsAsync(new GetCheckpointsOptions())) checkpoints.Add(c);
        Assert.Equal(6, checkpoints.Count);   // one per epoch: 360 training examples of the 400, 9 steps of 40 each
        Assert.Equal(54, checkpoints.Max(c => c.StepNumber));
        Assert.DoesNotContain(await Messages(job), m => m.Contains("Early stop", StringComparison.Ordinal));
    }

    /// <summary>
    /// A file deleted while a job on it was being created (its validation reads the whole file first) was deleted, and
    /// the job created too, to fail later on a missing file. One of the two must now refuse: the delete with 409, or
    /// the create with a 4xx. With the timing of the review (a large file, the delete 150 ms after the create), both
    /// succeeded.
    /// </summary>
    [Fact]
    public async Task AFileDeletedWhileAJobOnItIsCreatedLeavesOneOfTheTwoRefused()
    {
        var big = fixture.Tiny.WriteChatJsonl("race.jsonl", 150_000, seed: 11);
        var file = (await Service.OpenAI.GetOpenAIFileClient().UploadFileAsync(big, OpenAI.Files.FileUploadPurpose.FineTune)).Value;

        var create = Service.Http.PostAsync("/v1/fine_tuning/jobs",
            new StringContent($$"""{"model": "tiny", "training_file": "{{file.Id}}"}""", System.Text.Encoding.UTF8, "application/json"));
        await Task.Delay(150);
        using var deleted = await Service.Http.DeleteAsync($"/v1/files/{file.Id}");
        using var created = await create;

        string outcome = $"delete {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync()}; create {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}";
        if (created.IsSuccessStatusCode)
        {
            Assert.True(deleted.StatusCode == System.Net.HttpStatusCode.Conflict, outcome);
            using var job = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            using (await Service.Http.PostAsync($"/v1/fine_tuning/jobs/{job.RootElement.GetProperty("id").GetString()}/cancel", null)) { }
        }
        else
        {
            Assert.True(deleted.IsSuccessStatusCode, outcome);
            Assert.InRange((int)created.StatusCode, 400, 499);
        }
    }

    /// <summary>What train prints as a warning about the data reaches an API client as a "warn" event, naming the file by its id.</summary>
    [Fact]
    public async Task DataWarningsAreWarnEventsNamingTheFileById()
    {
        var typo = Path.Combine(fixture.Tiny.Root, "typo.jsonl");
        File.WriteAllText(typo, File.ReadAllText(fixture.ChatFile) +
            "{\"messages\": [{\"role\": \"user\", \"content\": \"a lovely little place\"}, {\"role\": \"assistant\", \"content\": \"postive\"}]}\n");
        var file = (await Service.OpenAI.GetOpenAIFileClient().UploadFileAsync(typo, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await Service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false,
            new FineTuningOptions { TrainingMethod = FineTuningTrainingMethod.CreateSupervised(epochCount: HyperparameterEpochCount.CreateEpochCount(1)) });
        await FineTuningServiceFixture.WaitForAsync(job, s => s == FineTuningStatus.Succeeded || s == FineTuningStatus.Failed);

        // The library keeps an event's level to itself; the wire has it.
        var events = await Service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{job.JobId}/events?limit=100");
        var warning = Assert.Single(events.GetProperty("data").EnumerateArray(), e => e.GetProperty("level").GetString() == "warn");
        Assert.Equal($"warning: label 'postive' has no validation example (1 to train on), so nothing checks it; if it is a typo of another label, correct it in training file {file.Id}",
            warning.GetProperty("message").GetString());
    }

    [Fact]
    public async Task TheFineTunedModelIsListedAndAnswersChatWithTheLabelPredictGives()
    {
        var trained = await fixture.TrainedAsync();

        var models = (await Service.OpenAI.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();
        Assert.Contains("minilm", models);
        Assert.Contains("tiny", models);
        Assert.Contains(trained.Model, models);

        const string text = "the food was really excellent";
        var chat = Service.OpenAI.GetChatClient(trained.Model);
        ChatCompletion completion = await chat.CompleteChatAsync(
            [new SystemChatMessage("Classify the sentiment."), new UserChatMessage(text)],
            new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = 2 });
        var label = completion.Content[0].Text;
        Assert.Contains(label, new[] { "positive", "negative" });
        var logprob = Assert.Single(completion.ContentTokenLogProbabilities);
        Assert.Equal(label, logprob.Token);
        Assert.Equal(2, logprob.TopLogProbabilities.Count);
        Assert.Equal(label, logprob.TopLogProbabilities[0].Token);
        Assert.Equal(1.0, logprob.TopLogProbabilities.Sum(t => Math.Exp(t.LogProbability)), 3);
        Assert.True(completion.Usage.InputTokenCount >= 3);   // [CLS] + words + [SEP]
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);

        var predict = await Service.Http.PostAsJsonAsync("/predict", new { inputs = text, model = trained.Model });
        predict.EnsureSuccessStatusCode();
        var scores = await predict.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(label, scores[0].GetProperty("label").GetString());
        Assert.Equal(Math.Exp(logprob.LogProbability), scores[0].GetProperty("score").GetDouble(), 4);
    }

    [Fact]
    public async Task ACancelledJobStopsTrainingAndAModelInUseCannotBeDeleted()
    {
        var trained = await fixture.TrainedAsync();
        var files = Service.OpenAI.GetOpenAIFileClient();
        var client = Service.OpenAI.GetFineTuningClient();
        var chatFile = (await files.UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var (running, _) = await StartALongJobAsync(Service, fixture);
        // Continued training from the fine-tuned model waits in the queue behind the running job.
        var waiting = await client.FineTuneAsync(trained.Model, chatFile.Id, waitUntilCompleted: false, new FineTuningOptions());
        await WaitForStepAsync(running, 5);

        var delete = await Service.Http.DeleteAsync($"/v1/models/{trained.Model}");
        Assert.Equal(System.Net.HttpStatusCode.Conflict, delete.StatusCode);
        Assert.Equal("model_in_use", (await delete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("false", delete.Headers.GetValues("x-should-retry").Single());   // OpenAI's Node library retries a 409 without it

        await waiting.CancelAndUpdateAsync();
        Assert.Equal(FineTuningStatus.Cancelled, waiting.Status);
        Assert.Contains("Fine-tuning job cancelled before it started", await Messages(waiting));
        var again = await Assert.ThrowsAsync<ClientResultException>(() => waiting.CancelAndUpdateAsync());
        Assert.Equal(400, again.Status);

        await running.CancelAndUpdateAsync();
        Assert.Equal(FineTuningStatus.Cancelled, running.Status);
        var stopped = await MetricSteps(running);
        await Task.Delay(300);
        Assert.Equal(stopped, await MetricSteps(running));   // nothing trained after the answer
        Assert.True(stopped.Max() < 50 * 400, "the job ran to its end instead of stopping");
        // The step the stop took last, which metrics events (every 5 steps here) may not have reported.
        var cancelled = Assert.Single(await Messages(running), m => m.StartsWith("Fine-tuning job cancelled at step ", StringComparison.Ordinal));
        Assert.InRange(long.Parse(cancelled[(cancelled.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture), stopped.Max(), stopped.Max() + 4);
    }

    /// <summary>
    /// result_files[0], the step-metrics CSV, had rows only for the steps the trainer reported (every --metrics-every
    /// steps, 5 here, and each epoch's last); OpenAI's file has one row per step. Every step has its row and training
    /// loss now, while the metrics events stay every 5 steps and at each epoch's last.
    /// </summary>
    [Fact]
    public async Task TheResultFileHasARowForEveryStepAndMetricsEventsStayEveryFewSteps()
    {
        var trained = await fixture.TrainedAsync();
        string results = await Service.Http.GetStringAsync($"/v1/files/{trained.Final.GetProperty("result_files")[0].GetString()}/content");

        var rows = results.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(row => row.Split(',')).ToList();
        var steps = rows.Select(row => long.Parse(row[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(steps.Count > 5, results);
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(step => (long)step), steps);
        Assert.All(rows, row => Assert.NotEqual("", row[2]));
        var epochEnds = rows.Where((row, i) => i == rows.Count - 1 || rows[i + 1][1] != row[1]).Select(row => long.Parse(row[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(steps.Where(step => step % 5 == 0).Union(epochEnds).Order(), (await MetricSteps(trained.Job)).Order());
    }

    /// <summary>
    /// Cancels of one running job sent at once: each found the job training, fired its token and waited for it, so all
    /// answered 200, where a cancel sent after another is a 400 <c>invalid_job_state</c>. One is the 200 now, decided
    /// under the queue's lock, and the others are the 400, whenever each arrives.
    /// </summary>
    [Fact]
    public async Task CancelsOfARunningJobSentAtOnceAnswerOneOk()
    {
        var (running, _) = await StartALongJobAsync(Service, fixture);
        await WaitForStepAsync(running, 3);

        const int Cancels = 4;
        var answers = await Task.WhenAll(Enumerable.Range(0, Cancels).Select(_ => Service.Http.PostAsync($"/v1/fine_tuning/jobs/{running.JobId}/cancel", null)));

        var accepted = Assert.Single(answers, answer => answer.StatusCode == System.Net.HttpStatusCode.OK);
        Assert.Equal("cancelled", (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        foreach (var refused in answers.Where(answer => answer != accepted))
        {
            var error = await FineTuningErrorTests.AssertErrorAsync(refused, System.Net.HttpStatusCode.BadRequest, "fine_tuning_job_id");
            Assert.Equal("invalid_job_state", error.GetProperty("code").GetString());
            Assert.StartsWith($"job {running.JobId} has status '", error.GetProperty("message").GetString());
        }
        Assert.Contains(await Messages(running), m => m.StartsWith("Fine-tuning job cancelled at step ", StringComparison.Ordinal));
    }

    /// <summary>
    /// A checkpoint's id, listed beside the model's, is not a model: sent as one, it was "does not exist". It is a 404
    /// still (OpenAI's model_not_found), saying what it is and which model to use.
    /// </summary>
    [Fact]
    public async Task ACheckpointIdSentAsAModelIsA404NamingTheJobsModel()
    {
        var trained = await fixture.TrainedAsync();
        var first = (await Service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{trained.Job.JobId}/checkpoints")).GetProperty("data")[0];
        string checkpoint = first.GetProperty("fine_tuned_model_checkpoint").GetString()!;
        string expected = $"'{checkpoint}' is the checkpoint record of fine-tuning job {trained.Job.JobId} at step {first.GetProperty("step_number").GetInt64()}, " +
            $"not a servable model; use the job's fine_tuned_model, {trained.Model}";

        var get = await FineTuningErrorTests.AssertErrorAsync(await Service.Http.GetAsync($"/v1/models/{checkpoint}"), System.Net.HttpStatusCode.NotFound, "model");
        var chat = await FineTuningErrorTests.AssertErrorAsync(await Service.Http.PostAsJsonAsync("/v1/chat/completions",
            new { model = checkpoint, messages = new[] { new { role = "user", content = "good" } } }), System.Net.HttpStatusCode.NotFound, "model");
        foreach (var error in new[] { get, chat })
        {
            Assert.Equal(expected, error.GetProperty("message").GetString());
            Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        }
        var predict = await Service.Http.PostAsJsonAsync("/predict", new { inputs = "good", model = checkpoint });
        Assert.Equal(System.Net.HttpStatusCode.NotFound, predict.StatusCode);
        Assert.Equal(expected, (await predict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // A job continuing it is told the same (a 400, as for any model that cannot be fine-tuned): it was the generic
        // "cannot be fine-tuned here: use tiny or a model this service fine-tuned".
        var job = await FineTuningErrorTests.AssertErrorAsync(await Service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs",
            new { model = checkpoint, training_file = trained.TrainingFileId }), System.Net.HttpStatusCode.BadRequest, "model");
        Assert.Equal(expected, job.GetProperty("message").GetString());
        Assert.Equal("model_not_available", job.GetProperty("code").GetString());
    }

    /// <summary>
    /// A checkpoint id of a step its job never recorded was told as the job's record at that step ("… at step 999, not a
    /// servable model"): the job was looked up, not its checkpoints. It is as unknown as any other model, on each route.
    /// </summary>
    [Fact]
    public async Task ACheckpointIdOfAStepTheJobNeverRecordedIsAnUnknownModel()
    {
        var trained = await fixture.TrainedAsync();
        string checkpoint = $"{trained.Model}:ckpt-step-999";

        var get = await FineTuningErrorTests.AssertErrorAsync(await Service.Http.GetAsync($"/v1/models/{checkpoint}"), System.Net.HttpStatusCode.NotFound, "model");
        var chat = await FineTuningErrorTests.AssertErrorAsync(await Service.Http.PostAsJsonAsync("/v1/chat/completions",
            new { model = checkpoint, messages = new[] { new { role = "user", content = "good" } } }), System.Net.HttpStatusCode.NotFound, "model");
        foreach (var error in new[] { get, chat })
        {
            Assert.Equal($"model '{checkpoint}' does not exist", error.GetProperty("message").GetString());
            Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        }
        var job = await FineTuningErrorTests.AssertErrorAsync(await Service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs",
            new { model = checkpoint, training_file = trained.TrainingFileId }), System.Net.HttpStatusCode.BadRequest, "model");
        Assert.StartsWith($"model '{checkpoint}' cannot be fine-tuned here: use ", job.GetProperty("message").GetString());
        Assert.Equal("model_not_available", job.GetProperty("code").GetString());
    }

    /// <summary>The base encoders were listed as created at 0, which the library shows as 1970-01-01: now the service's start.</summary>
    [Fact]
    public async Task BaseEncodersAreListedAsCreatedWhenTheServiceStarted()
    {
        var models = (await Service.OpenAI.GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.InRange(models.Single(m => m.Id == "tiny").CreatedAt, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    /// <summary>
    /// The official library's pause and resume: a running job stops at a checkpoint and holds its files; resumed, it
    /// continues from that checkpoint; a queued one is held back, and a paused one can be cancelled.
    /// </summary>
    [Fact]
    public async Task APausedJobStopsAtACheckpointAndAResumedOneContinuesFromIt()
    {
        var files = Service.OpenAI.GetOpenAIFileClient();
        var client = Service.OpenAI.GetFineTuningClient();
        var chatFile = (await files.UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var (running, longFile) = await StartALongJobAsync(Service, fixture);
        var queued = await client.FineTuneAsync("tiny", chatFile.Id, waitUntilCompleted: false, new FineTuningOptions());
        await WaitForStepAsync(running, 5);

        Assert.Equal("paused", Status(await client.PauseFineTuningJobAsync(queued.JobId, new System.ClientModel.Primitives.RequestOptions())));
        Assert.Contains("Fine-tuning job paused before it started; resuming it queues it again", await Messages(queued));

        Assert.Equal("paused", Status(await client.PauseFineTuningJobAsync(running.JobId, new System.ClientModel.Primitives.RequestOptions())));
        var stopped = await MetricSteps(running);
        await Task.Delay(300);
        Assert.Equal(stopped, await MetricSteps(running));   // nothing trained after the answer, and the queued job did not start
        Assert.Equal("paused", (await Service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{queued.JobId}")).GetProperty("status").GetString());
        var paused = Assert.Single(await Messages(running), m => m.StartsWith("Fine-tuning job paused at step ", StringComparison.Ordinal));
        long checkpoint = long.Parse(paused[(paused.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"Fine-tuning job paused at step {checkpoint}; resuming it continues from its checkpoint at step {checkpoint}", paused);
        Assert.InRange(checkpoint, stopped.Max(), stopped.Max() + 4);   // metrics events come every 5 steps here
        // The job read "running" until its checkpoint; the request is recorded ("pausing") before it, newest first.
        var history = await Messages(running);
        int pausing = history.IndexOf("Fine-tuning job pausing: it stops at its next optimizer step and is paused at a checkpoint there");
        Assert.True(pausing > history.IndexOf(paused), string.Join(" | ", history.Take(5)));
        // Only the service's own account of the stop: not the trainer's "Cancelled at step …" with the store's folders.
        Assert.DoesNotContain(await Messages(running), m => m.StartsWith("Cancelled", StringComparison.Ordinal) || m.Contains("checkpoint written to", StringComparison.Ordinal));

        var again = await Assert.ThrowsAsync<ClientResultException>(() => client.PauseFineTuningJobAsync(running.JobId, new System.ClientModel.Primitives.RequestOptions()));
        Assert.Equal(400, again.Status);
        var inUse = await Service.Http.DeleteAsync($"/v1/files/{longFile.Id}");
        Assert.Equal(System.Net.HttpStatusCode.Conflict, inUse.StatusCode);

        var resumed = Status(await client.ResumeFineTuningJobAsync(running.JobId, new System.ClientModel.Primitives.RequestOptions()));
        Assert.Contains(resumed, new[] { "queued", "running" });
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!(await Messages(running)).Contains($"Resumed fine-tuning from the checkpoint at step {checkpoint}") && DateTime.UtcNow < deadline) await Task.Delay(50);
        await WaitForStepAsync(running, (int)stopped.Max() + 5);
        Assert.Contains($"Fine-tuning job resumed; it continues from its checkpoint at step {checkpoint}", await Messages(running));
        var notPaused = await Assert.ThrowsAsync<ClientResultException>(() => client.ResumeFineTuningJobAsync(running.JobId, new System.ClientModel.Primitives.RequestOptions()));
        Assert.Equal(400, notPaused.Status);

        await running.CancelAndUpdateAsync();
        await queued.CancelAndUpdateAsync();
        Assert.Equal(FineTuningStatus.Cancelled, queued.Status);
        Assert.Contains("Fine-tuning job cancelled while paused", await Messages(queued));
    }

    /// <summary>
    /// A client whose pause gave up (30 s on a large base's step) asks again while the job is <c>pausing</c>: each ask
    /// recorded another identical <c>pausing</c> event. The job is recorded pausing here as a first pause does, its
    /// training left running (as a step longer than the wait would), and the second pause adds no event.
    /// </summary>
    [Fact]
    public async Task APauseOfAPausingJobRecordsNoSecondPausingEvent()
    {
        const string PausingEvent = "Fine-tuning job pausing: it stops at its next optimizer step and is paused at a checkpoint there";
        var (running, _) = await StartALongJobAsync(Service, fixture);
        await WaitForStepAsync(running, 5);
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<OrtAgent.FineTuningService.Store.FineTuningStore>(Service.App.Services);
        store.UpdateJob(store.GetJob(running.JobId)! with { Status = OrtAgent.FineTuningService.Store.JobStatus.Pausing }, "info", PausingEvent);

        Assert.Equal("paused", Status(await Service.OpenAI.GetFineTuningClient().PauseFineTuningJobAsync(running.JobId, new System.ClientModel.Primitives.RequestOptions())));
        Assert.Equal(1, (await Messages(running)).Count(m => m == PausingEvent));
        await running.CancelAndUpdateAsync();
    }

    /// <summary>
    /// Starts a job of 50 epochs of 400 one-example steps on the long file: the tiny model can run 3 epochs (1,200 steps)
    /// in the second or two a test's checks take, and a job that has finished cannot be cancelled or paused. It validates
    /// on 10 examples, too few to choose by (under --min-validation's 20), so it never stops early: once the tiny model had
    /// learnt the task, early stopping on a larger split ended such a job within a second (1 run of the cancel test in 6).
    /// </summary>
    internal static async Task<(FineTuningJob Job, OpenAI.Files.OpenAIFile TrainingFile)> StartALongJobAsync(ServiceUnderTest service, FineTuningServiceFixture fixture)
    {
        var files = service.OpenAI.GetOpenAIFileClient();
        var longFile = (await files.UploadFileAsync(fixture.LongChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var fewValidation = (await files.UploadFileAsync(fixture.FewValidationFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", longFile.Id, waitUntilCompleted: false, new FineTuningOptions
        {
            TrainingMethod = FineTuningTrainingMethod.CreateSupervised(HyperparameterBatchSize.CreateSize(1), HyperparameterEpochCount.CreateEpochCount(50), HyperparameterLearningRate.CreateAuto()),
            ValidationFile = fewValidation.Id,
        });
        return (job, longFile);
    }

    private static string Status(ClientResult result) =>
        JsonDocument.Parse(result.GetRawResponse().Content.ToString()).RootElement.GetProperty("status").GetString()!;

    [Fact]
    public async Task InProcessCallersQueueAJobFromAFilePath()
    {
        var jobs = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<OrtAgent.FineTuningService.IFineTuningJobs>(Service.App.Services);

        var created = jobs.CreateFromFile(fixture.ChatFile, new OrtAgent.FineTuningService.FineTuningJobRequest { Model = "tiny", NEpochs = 1, Seed = 5 });
        Assert.Equal("fine_tuning.job", created.Object);
        Assert.Equal(1, created.Hyperparameters.NEpochs);
        Assert.Equal("chat.jsonl", Service.OpenAI.GetOpenAIFileClient().GetFile(created.TrainingFile).Value.Filename);
        Assert.Equal(created.Id, jobs.Get(created.Id).Id);
        var filesBefore = await FileIds();
        var refused = Assert.Throws<OrtAgent.FineTuningService.Api.OpenAIApiException>(() =>
            jobs.CreateFromFile(fixture.ChatFile, new OrtAgent.FineTuningService.FineTuningJobRequest { Model = "gpt-4o" }));
        Assert.Equal(("model", 400), (refused.Param, refused.StatusCode));
        Assert.Equal(filesBefore, await FileIds()); // the copy made for the refused job is deleted again
        // The job runs to its end (a cancel here would race a tiny job that may already have finished).
        var deadline = DateTime.UtcNow.AddMinutes(3);
        var job = jobs.Get(created.Id);
        while (job.Status is "validating_files" or "queued" or "running" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            job = jobs.Get(created.Id);
        }
        Assert.Equal("succeeded", job.Status);
        Assert.Equal($"ft:tiny::{created.Id}", job.FineTunedModel);
    }

    /// <summary>
    /// A cancel that reaches a job after its last step (while it evaluates or exports) either stops it or is refused
    /// because the job succeeded; it is never a 200 for a job that then succeeds.
    /// </summary>
    [Fact]
    public async Task ACancelAfterTheLastStepIsHonouredOrRefusedNeverIgnored()
    {
        await using var service = await ServiceUnderTest.StartAsync(Path.Combine(fixture.Tiny.Root, "late-cancel-store"), fixture.Tiny.BaseModel, metricsEvery: 1);
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await service.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, new FineTuningOptions
        {
            TrainingMethod = FineTuningTrainingMethod.CreateSupervised(HyperparameterBatchSize.CreateSize(4), HyperparameterEpochCount.CreateEpochCount(1), HyperparameterLearningRate.CreateAuto()),
        });
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var events = await service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{job.JobId}/events?limit=5");
            if (events.GetProperty("data").EnumerateArray().Any(e => e.GetProperty("type").GetString() == "metrics"
                    && e.GetProperty("data").TryGetProperty("total_steps", out var total) && e.GetProperty("data").GetProperty("step").GetInt64() == total.GetInt64()))
                break;
            Assert.True(DateTime.UtcNow < deadline, "the job never reported its last step");
            await Task.Delay(5);
        }

        var cancel = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{job.JobId}/cancel", null);
        var finished = await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);
        string status = finished.GetProperty("status").GetString()!;
        if (cancel.IsSuccessStatusCode)
        {
            Assert.Equal("cancelled", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
            Assert.Equal("cancelled", status);
        }
        else
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, cancel.StatusCode);
            var error = (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("invalid_job_state", error.GetProperty("code").GetString());
            Assert.Equal("succeeded", status);
            Assert.StartsWith($"job {job.JobId} has status 'succeeded'", error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task AWrongKeyGets401InOpenAIsEnvelope()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Service.Client("wrong").GetFineTuningClient().GetJobAsync("ftjob-x"));
        Assert.Equal(401, error.Status);
        using var anonymous = new HttpClient { BaseAddress = Service.BaseAddress };
        var response = await anonymous.GetAsync("/v1/models");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
    }

    internal static async Task WaitForStepAsync(FineTuningJob job, int step)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await MetricSteps(job)).DefaultIfEmpty(0).Max() < step)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {job.JobId} never reached step {step}");
            await Task.Delay(50);
        }
    }

    internal static async Task<List<long>> MetricSteps(FineTuningJob job)
    {
        var steps = new List<long>();
        await foreach (var e in job.GetEventsAsync(new GetEventsOptions { PageSize = 100 }))
            if (e.Kind == FineTuningJobEventKind.Metrics && JsonDocument.Parse(e.Data.ToString()).RootElement.TryGetProperty("learning_rate", out _))
                steps.Add(JsonDocument.Parse(e.Data.ToString()).RootElement.GetProperty("step").GetInt64());
        return steps;
    }

    internal static async Task<List<string>> Messages(FineTuningJob job)
    {
        var messages = new List<string>();
        await foreach (var e in job.GetEventsAsync(new GetEventsOptions { PageSize = 100 })) messages.Add(e.Message);
        return messages;
    }

    // Uploads only: a job finishing meanwhile adds its results file (purpose fine-tune-results), which the checks are not about.
    private async Task<string[]> FileIds() =>
        [.. (await Service.Http.GetFromJsonAsync<JsonElement>("/v1/files")).GetProperty("data").EnumerateArray()
            .Where(f => f.GetProperty("purpose").GetString() == "fine-tune").Select(f => f.GetProperty("id").GetString()!).Order()];
}
