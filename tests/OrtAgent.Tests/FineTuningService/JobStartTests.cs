#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.FineTuning;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job's start (reading its data, building and loading its training graphs: 9 s on minilm) watches no token; held
/// there (<see cref="HeldStart"/>), a cancel or pause is answered at once, the job's place goes to the next queued one,
/// and its runner, once released, leaves nothing but what the job resumes from.
/// </summary>
public sealed class JobStartTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A cancel used to wait for the runner to stop, and the next queued job waited for that runner too, which a
    /// start deaf to the cancel held until its graphs were built. Held in its start here, the job is answered cancelled
    /// while still held, the next job runs meanwhile, and released, its runner discards what it built and records nothing more.
    /// </summary>
    [Fact]
    public async Task ACancelWhileAJobIsStartingAnswersAtOnceAndGivesItsPlaceToTheNextJob()
    {
        string store = Path.Combine(fixture.Tiny.Root, "starting-cancel-store");
        var held = NewHeldStart();
        var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, baseModels: held);
        string startingId;
        try
        {
            var client = service.OpenAI.GetFineTuningClient();
            var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
            var starting = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false);
            startingId = starting.JobId;
            await held.Entered.WaitAsync(Bound);
            var next = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, OneEpoch);
            Assert.Equal("queued", await StatusAsync(service, next.JobId));   // one job runs at a time

            var cancel = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{starting.JobId}/cancel", null);
            Assert.Equal(0, held.Left);   // answered while the runner is still held in its start
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            Assert.Equal("cancelled", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
            Assert.Contains("Fine-tuning job cancelled while it was starting, before training began; it trains no further step", await FineTuningServiceTests.Messages(starting));

            await WaitForStatusAsync(service, next.JobId, "running", TimeSpan.FromSeconds(30));
            Assert.Equal(0, held.Left);   // the next job started while the cancelled one's runner was still held

            held.Release();
            await FineTuningServiceFixture.WaitForAsync(next, s => !s.InProgress);
            Assert.Equal(FineTuningStatus.Succeeded, next.Status);
            Assert.Empty(await FineTuningServiceTests.MetricSteps(starting));
        }
        finally
        {
            await service.DisposeAsync();   // waits for every runner, the cancelled job's winding down included
        }
        using var opened = FineTuningStore.Open(store);
        Assert.Equal(JobStatus.Cancelled, opened.GetJob(startingId)!.Status);
        Assert.Equal("Fine-tuning job cancelled while it was starting, before training began; it trains no further step",
            opened.ListEvents(startingId, null, 1).Items[0].Message);   // newest first: nothing after it
        Assert.False(Directory.Exists(Path.Combine(store, "artifacts", startingId)));
        Assert.False(Directory.Exists(Path.Combine(store, "models", startingId)));
    }

    /// <summary>
    /// A stopped start gave its place up at once while it still built its training graphs, so cancelling starts over and
    /// over built them side by side without bound, past <c>--max-concurrent-jobs</c> (the service's memory guard). One
    /// wind-down per place is allowed: with one place, a second stopped start keeps the third job queued until a
    /// wind-down ends.
    /// </summary>
    [Fact]
    public async Task StoppedStartsWindingDownAreBoundedToOnePerPlace()
    {
        string store = Path.Combine(fixture.Tiny.Root, "wind-down-bound-store");
        var held = NewHeldStart();
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, baseModels: held);
        var client = service.OpenAI.GetFineTuningClient();
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var first = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, OneEpoch);
        await held.Entered.WaitAsync(Bound);
        var second = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, OneEpoch);
        var third = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, OneEpoch);

        Assert.Equal("cancelled", await PostStatusAsync(service, first.JobId, "cancel"));
        await WaitForStatusAsync(service, second.JobId, "running", TimeSpan.FromSeconds(30));   // the one wind-down its place allows
        // Running is recorded before the start reaches the hold; a cancel before that ends the start at once, with no
        // wind-down to bound (on a busy machine the third job then ran, failing the check below).
        for (int i = 0; i < 600 && held.Reached < 2; i++) await Task.Delay(50);
        Assert.Equal(2, held.Reached);
        Assert.Equal("cancelled", await PostStatusAsync(service, second.JobId, "cancel"));
        // Both stopped starts are held, still winding down: the third job waits (unbounded, it ran within milliseconds).
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("queued", await StatusAsync(service, third.JobId));
            await Task.Delay(50);
        }
        Assert.Equal(0, held.Left);

        held.Release();
        await FineTuningServiceFixture.WaitForAsync(third, s => !s.InProgress);
        Assert.Equal(FineTuningStatus.Succeeded, third.Status);
    }

    /// <summary>
    /// A pause that found a job starting waited for its first optimizer step (the whole start) and checkpointed there.
    /// Held in its start, the job is answered paused at once, with no checkpoint, and the next job runs meanwhile;
    /// resumed, it starts from the beginning once its stopped start has wound down.
    /// </summary>
    [Fact]
    public async Task APauseWhileAJobIsStartingAnswersAtOnceAndTheResumedJobStartsFromTheBeginning()
    {
        string store = Path.Combine(fixture.Tiny.Root, "starting-pause-store");
        var held = NewHeldStart();
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, baseModels: held);
        var client = service.OpenAI.GetFineTuningClient();
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var starting = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, OneEpoch);
        await held.Entered.WaitAsync(Bound);
        var next = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, OneEpoch);

        var pause = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{starting.JobId}/pause", null);
        Assert.Equal(0, held.Left);   // answered while the runner is still held in its start
        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        Assert.Equal("paused", (await pause.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("Fine-tuning job paused while it was starting, before training began; resuming it continues from the start (no checkpoint was written yet)",
            (await FineTuningServiceTests.Messages(starting))[0]);
        await WaitForStatusAsync(service, next.JobId, "running", TimeSpan.FromSeconds(30));
        Assert.Equal(0, held.Left);

        held.Release();
        var resume = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{starting.JobId}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        await FineTuningServiceFixture.WaitForAsync(starting, s => s == FineTuningStatus.Succeeded || s == FineTuningStatus.Failed || s == FineTuningStatus.Cancelled);

        Assert.Equal(FineTuningStatus.Succeeded, starting.Status);
        var messages = await FineTuningServiceTests.Messages(starting);
        Assert.Contains("Fine-tuning job resumed; it continues from the start (no checkpoint was written yet)", messages);
        Assert.Equal(2, messages.Count(m => m == "Fine-tuning job started"));   // from the beginning, not from a checkpoint
        Assert.DoesNotContain(messages, m => m.StartsWith("Resumed fine-tuning", StringComparison.Ordinal) || m.StartsWith("Fine-tuning job paused at step", StringComparison.Ordinal));
        var steps = await FineTuningServiceTests.MetricSteps(starting);
        Assert.Equal(steps.Count, steps.Distinct().Count());   // each step trained once
        Assert.Single(await CheckpointsAsync(starting));   // one epoch, one checkpoint
    }

    /// <summary>
    /// A job resumed from a checkpoint and paused again while starting keeps that checkpoint: the runner's stop discards
    /// what its start built, never the point the job continues from.
    /// </summary>
    [Fact]
    public async Task AResumedJobPausedWhileStartingKeepsTheCheckpointItResumesFrom()
    {
        string store = Path.Combine(fixture.Tiny.Root, "resumed-pause-store");
        var held = NewHeldStart();
        held.Release();
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, baseModels: held);
        var (job, _) = await FineTuningServiceTests.StartALongJobAsync(service, fixture);
        await FineTuningServiceTests.WaitForStepAsync(job, 5);
        Assert.Equal("paused", await PostStatusAsync(service, job.JobId, "pause"));
        string paused = (await FineTuningServiceTests.Messages(job)).First(m => m.StartsWith("Fine-tuning job paused at step ", StringComparison.Ordinal));
        string checkpoint = paused[(paused.IndexOf("its checkpoint at step ", StringComparison.Ordinal))..];

        held.HoldAgain();
        await PostStatusAsync(service, job.JobId, "resume");
        await held.Entered.WaitAsync(Bound);
        Assert.Equal("paused", await PostStatusAsync(service, job.JobId, "pause"));
        Assert.Equal($"Fine-tuning job paused while it was starting, before training began; resuming it continues from {checkpoint}", (await FineTuningServiceTests.Messages(job))[0]);

        held.Release();
        await PostStatusAsync(service, job.JobId, "resume");
        var deadline = DateTime.UtcNow + Bound;
        // Its held start said so once already; the run after the pause says it again, from the same checkpoint.
        while ((await FineTuningServiceTests.Messages(job)).Count(m => m == $"Resumed fine-tuning from the checkpoint at step {checkpoint["its checkpoint at step ".Length..]}") < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job did not resume from its checkpoint again: " + string.Join(" | ", (await FineTuningServiceTests.Messages(job)).Take(8)));
            await Task.Delay(50);
        }
        Assert.Equal(2, (await FineTuningServiceTests.Messages(job)).Count(m => m == $"Fine-tuning job resumed; it continues from {checkpoint}"));
        using (await service.Http.PostAsync($"/v1/fine_tuning/jobs/{job.JobId}/cancel", null)) { }   // or it has finished
    }

    /// <summary>
    /// A job a previous run left running is taken up by the queue before the service answers: since .NET 10 the queue's
    /// loop runs wholly in the background, and a pause sent right after the start found the job not yet in the queue's
    /// table, answered "paused before it started; resuming it queues it again" of a job that had started. Held in its
    /// start here, the job is paused as a starting one, from where its next run continues.
    /// </summary>
    [Fact]
    public async Task AJobLeftRunningIsTakenUpBeforeTheServiceAnswersItsFirstRequest()
    {
        string store = Path.Combine(fixture.Tiny.Root, "left-running-store");
        using (var opened = FineTuningStore.Open(store))
        {
            string data = Path.Combine(opened.FilesDirectory, "file-left.jsonl");
            Directory.CreateDirectory(opened.FilesDirectory);
            File.Copy(fixture.ChatFile, data);
            opened.AddFile(new StoredFile("file-left", new FileInfo(data).Length, FineTuningStore.Now(), "chat.jsonl", "fine-tune", "processed", data));
            opened.AddJob(new JobRecord
            {
                Id = "ftjob-left-running", CreatedAt = FineTuningStore.Now(), Model = "tiny", TrainingFile = "file-left", Seed = 1, NEpochs = 1, BatchSize = 8,
                LearningRateMultiplier = 1, Status = JobStatus.Running,
            });
        }
        var held = NewHeldStart();
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel, baseModels: held);
        try
        {
            Assert.Equal("paused", await PostStatusAsync(service, "ftjob-left-running", "pause"));
            var job = await service.OpenAI.GetFineTuningClient().GetJobAsync("ftjob-left-running");
            Assert.Equal("Fine-tuning job paused while it was starting, before training began; resuming it continues from the start (no checkpoint was written yet)",
                (await FineTuningServiceTests.Messages(job))[0]);
        }
        finally
        {
            held.Release();   // the stopped start winds down, and the service's stop waits for it
        }
    }

    private static HeldStart NewHeldStart() => new(new global::OrtAgent.BaseModels.BaseModelResolver(new Infrastructure.FakeBaseModelStore()));

    private static readonly FineTuningOptions OneEpoch = new()
    {
        TrainingMethod = FineTuningTrainingMethod.CreateSupervised(HyperparameterBatchSize.CreateSize(8), HyperparameterEpochCount.CreateEpochCount(1), HyperparameterLearningRate.CreateAuto()),
    };

    private static async Task<string> StatusAsync(ServiceUnderTest service, string jobId) =>
        (await service.JobAsync(jobId)).GetProperty("status").GetString()!;

    private static async Task<string> PostStatusAsync(ServiceUnderTest service, string jobId, string action)
    {
        var response = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/{action}", null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("status").GetString()!;
    }

    // Bounded well within the hold's two minutes, after which the held runner fails and ends, freeing its place anyway.
    private static Task WaitForStatusAsync(ServiceUnderTest service, string jobId, string status, TimeSpan bound) =>
        service.WaitForJobAsync(jobId, s => s == status, bound);

    private static async Task<List<FineTuningCheckpoint>> CheckpointsAsync(FineTuningJob job)
    {
        var checkpoints = new List<FineTuningCheckpoint>();
        await foreach (var c in job.GetCheckpointsAsync(new GetCheckpointsOptions())) checkpoints.Add(c);
        return checkpoints;
    }
}
