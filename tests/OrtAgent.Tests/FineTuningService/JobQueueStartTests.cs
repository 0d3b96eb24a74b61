#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.FineTuning;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Serving;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The queue takes up the jobs a previous run left in <see cref="JobQueue.StartingAsync"/>, before Kestrel listens, and
/// trains them only once the host has started: a start that fails records nothing for them and leaves no runner.
/// </summary>
public sealed class JobQueueStartTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A start refused (an address in use) never calls the host's stop; disposing it released the store's lock while the
    /// job it had resumed went on, and each failed start added a "started" or "Resumed" event clients saw.
    /// </summary>
    [Fact]
    public async Task AStartOnAnAddressInUseRecordsNothingForAJobLeftRunningAndTheNextStartRunsIt()
    {
        string store = Path.Combine(fixture.Tiny.Root, "failed-start-store");
        AddJobLeftRunning(store, "ftjob-left-running", JobStatus.Running);
        int port;
        using (var free = new TcpListener(IPAddress.Loopback, 0))
        {
            free.Start();
            port = ((IPEndPoint)free.LocalEndpoint).Port;
            free.Stop();
        }
        string url = $"http://127.0.0.1:{port}";

        var app = ServiceUnderTest.Build(store, fixture.Tiny.BaseModel, new RecordingLoggerProvider(), url);
        // Taken after the build, which refuses an address in use before it opens the store: as by another process between
        // that check and the bind.
        using var taken = new TcpListener(IPAddress.Loopback, port);
        taken.Start();
        var queue = app.Services.GetRequiredService<JobQueue>();
        await using (app)
        {
            var refused = await Assert.ThrowsAsync<UserInputException>(() => ServerStartup.StartAsync(app, [url], CancellationToken.None));
            Assert.Equal($"--urls '{url}': cannot listen: 127.0.0.1:{port} is already in use; stop what listens there, or give another port", refused.Message);
        }
        await queue.RunsEnded().WaitAsync(Bound);   // faulted when a runner outlived the queue (its Signal threw)

        using (var opened = FineTuningStore.Open(store))
        {
            Assert.Equal(JobStatus.Running, opened.GetJob("ftjob-left-running")!.Status);
            Assert.Empty(opened.ListEvents("ftjob-left-running", null, 100).Items);
        }

        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        var job = await service.OpenAI.GetFineTuningClient().GetJobAsync("ftjob-left-running");
        await FineTuningServiceFixture.WaitForAsync(job, s => !s.InProgress);
        Assert.Equal(FineTuningStatus.Succeeded, job.Status);
        Assert.Single(await FineTuningServiceTests.Messages(job), m => m == "Fine-tuning job started");
    }

    /// <summary>
    /// What <see cref="JobQueue.StartingAsync"/> alone does, with nothing started after it: a job left running is in the
    /// queue's table, so a pause finds it starting (<see cref="JobStartTests.AJobLeftRunningIsTakenUpBeforeTheServiceAnswersItsFirstRequest"/>
    /// failed without it only when the queue's background loop happened to lag the first request), and a job a killed
    /// process left pausing is left as it was: paused there, before Kestrel's bind, a start refused at the bind had
    /// changed its record (<see cref="JobQueue.StartedAsync"/> pauses it, <see cref="FineTuningRestartTests.AJobLeftPausingByAKilledProcessIsPausedByTheNextStart"/>).
    /// </summary>
    [Fact]
    public async Task StartingAsyncAloneTakesUpAJobLeftRunningAndLeavesAJobLeftPausingAsItWas()
    {
        string store = Path.Combine(fixture.Tiny.Root, "starting-only-store");
        AddJobLeftRunning(store, "ftjob-left-pausing", JobStatus.Pausing);
        AddJobLeftRunning(store, "ftjob-left-running", JobStatus.Running);

        var app = ServiceUnderTest.Build(store, fixture.Tiny.BaseModel, new RecordingLoggerProvider());
        var queue = app.Services.GetRequiredService<JobQueue>();
        await using (app)
        {
            await queue.StartingAsync(CancellationToken.None);
            var opened = app.Services.GetRequiredService<FineTuningStore>();
            Assert.Equal(JobStatus.Pausing, opened.GetJob("ftjob-left-pausing")!.Status);
            Assert.Empty(opened.ListEvents("ftjob-left-pausing", null, 100).Items);

            Assert.Equal(StopAnswer.Stopped, await queue.PauseAsync("ftjob-left-running", TimeSpan.Zero));
            Assert.Equal(JobStatus.Paused, opened.GetJob("ftjob-left-running")!.Status);
            Assert.Equal("Fine-tuning job paused while it was starting, before training began; resuming it continues from the start (no checkpoint was written yet)",
                Assert.Single(opened.ListEvents("ftjob-left-running", null, 100).Items).Message);
        }
        // The host never started: the runner waiting for it ends, recording nothing.
        await queue.RunsEnded().WaitAsync(Bound);
        using var reopened = FineTuningStore.Open(store);
        Assert.Single(reopened.ListEvents("ftjob-left-running", null, 100).Items);
    }

    // A job as a process killed while it ran (or paused) leaves it, over a copy of the fixture's chat file.
    private void AddJobLeftRunning(string store, string jobId, string status)
    {
        using var opened = FineTuningStore.Open(store);
        string fileId = "file-" + jobId;
        string data = Path.Combine(opened.FilesDirectory, fileId + ".jsonl");
        Directory.CreateDirectory(opened.FilesDirectory);
        File.Copy(fixture.ChatFile, data);
        opened.AddFile(new StoredFile(fileId, new FileInfo(data).Length, FineTuningStore.Now(), "chat.jsonl", "fine-tune", "processed", data));
        opened.AddJob(new JobRecord
        {
            Id = jobId, CreatedAt = FineTuningStore.Now(), Model = "tiny", TrainingFile = fileId, Seed = 1, NEpochs = 1, BatchSize = 8,
            LearningRateMultiplier = 1, Status = status,
        });
    }
}
