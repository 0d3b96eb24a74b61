#pragma warning disable OPENAI001 // the fine-tuning client is experimental in the OpenAI library
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenAI.FineTuning;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Commands;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The stop must land mid-job, and the tiny job's steps take well under a millisecond on a quiet machine: while the
/// other tests run, a starved thread pool delayed this test's polling until a job had finished. So it runs alone.
/// </summary>
[CollectionDefinition(nameof(FineTuningRestartTests), DisableParallelization = true)]
public sealed class FineTuningRestartTestsCollection;

/// <summary>A job running when the service stops is resumed from its checkpoint by the next start, and finishes.</summary>
[Collection(nameof(FineTuningRestartTests))]
public sealed partial class FineTuningRestartTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    [GeneratedRegex(@"^Resumed fine-tuning from the checkpoint at step (\d+)$")]
    private static partial Regex ResumedAt();

    [GeneratedRegex(@"^The service stopped; the job resumes from its checkpoint at step (\d+) ")]
    private static partial Regex StoppedAt();

    [Fact]
    public Task AJobInterruptedByAStopResumesFromItsCheckpointAndFinishes() =>
        OnAJobTheStopInterrupted("restart-store", async (store, jobId, lastTry) =>
        {
            await using var second = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
            var resumed = await second.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
            Assert.True(resumed.Status == FineTuningStatus.Running || resumed.Status == FineTuningStatus.Succeeded, resumed.Status.ToString());
            var done = await FineTuningServiceFixture.WaitForAsync(resumed, s => !s.InProgress);
            Assert.Equal(FineTuningStatus.Succeeded, resumed.Status);
            Assert.StartsWith("ft:tiny::", done.GetProperty("fine_tuned_model").GetString());

            var messages = await FineTuningServiceTests.Messages(resumed);
            var stops = messages.Select(m => StoppedAt().Match(m)).Where(m => m.Success).ToList();
            if (stops.Count == 0 && !lastTry) return false;   // finished before the stop landed
            long stoppedAt = long.Parse(Assert.Single(stops).Groups[1].Value);
            long resumedAt = long.Parse(messages.Select(m => ResumedAt().Match(m)).Single(m => m.Success).Groups[1].Value);
            // The checkpoint written on stop is the last optimizer step: the second run starts there, not from zero.
            Assert.True(stoppedAt >= 20, $"stopped at {stoppedAt}");
            Assert.Equal(stoppedAt, resumedAt);
            Assert.DoesNotContain(messages, m => m.Contains(store, StringComparison.Ordinal));   // no server path reaches a client
            var steps = await FineTuningServiceTests.MetricSteps(resumed);
            Assert.Equal(steps.Count, steps.Distinct().Count());   // no step trained twice
            return true;
        });

    /// <summary>
    /// A process killed outright (kill -9) has reported steps, evaluations and checkpoint objects past the checkpoint on
    /// disk. Here a stop leaves the checkpoint, and the records such a kill leaves past it are written as it would have;
    /// the resumed job trains those steps again and lists each step, and each checkpoint, once.
    /// </summary>
    [Fact]
    public Task StepsReportedPastTheLastCheckpointAreListedOnceAfterTheResume() =>
        OnAJobTheStopInterrupted("killed-store", async (store, jobId, lastTry) =>
        {
            long stoppedAt;
            string forgottenId;
            using (var opened = FineTuningStore.Open(store))
            {
                var stop = opened.ListEvents(jobId, null, 100).Items.Select(e => StoppedAt().Match(e.Message)).FirstOrDefault(m => m.Success);
                if (stop is null && !lastTry) return false;   // the job finished before the stop landed
                stoppedAt = long.Parse(Assert.IsType<Match>(stop).Groups[1].Value);
                // What the killed process had written past the checkpoint at stoppedAt.
                forgottenId = opened.AddEvent(jobId, "info", "Step", "metrics", new Dictionary<string, object?> { ["step"] = stoppedAt + 2, ["learning_rate"] = 1e-5 }).Id;
                opened.AddEvent(jobId, "info", "Epoch", "metrics", new Dictionary<string, object?> { ["step"] = stoppedAt + 4, ["valid_loss"] = 0.5 });
                opened.AddCheckpoint(jobId, new JobCheckpoint("ftckpt-killed", 1, stoppedAt + 4, "ft:tiny::x:ckpt-step-killed", new Dictionary<string, double>()));
                File.AppendAllText(Path.Combine(opened.JobDirectory(jobId), JobRunner.StepMetricsFileName), $"{stoppedAt + 2},1,0.5,1e-05,1,,\n{stoppedAt + 4},1,,,,0.5,0.5\n");
            }

            await using var second = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
            var resumed = await second.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
            var done = await FineTuningServiceFixture.WaitForAsync(resumed, s => !s.InProgress);
            Assert.Equal(FineTuningStatus.Succeeded, resumed.Status);

            Assert.Contains($"Resumed fine-tuning from the checkpoint at step {stoppedAt}; steps {stoppedAt + 1} to {stoppedAt + 4}, reported before the service was stopped without a checkpoint, are trained again",
                await FineTuningServiceTests.Messages(resumed));
            var steps = await FineTuningServiceTests.MetricSteps(resumed);
            Assert.Equal(steps.Count, steps.Distinct().Count());
            Assert.Contains(steps, s => s > stoppedAt && s <= stoppedAt + 5);   // trained again, reported (every 5 steps) by the run that did
            // A client paging with a forgotten event's id as its cursor was refused (400 invalid_cursor); it goes on from
            // where it stood: the events before it, none of them forgotten.
            var older = (await second.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}/events?after={forgottenId}&limit=100"))
                .GetProperty("data").EnumerateArray().ToList();
            Assert.NotEmpty(older);
            Assert.All(older, e => Assert.True(e.GetProperty("type").GetString() != "metrics" || e.GetProperty("data").GetProperty("step").GetInt64() <= stoppedAt,
                $"a forgotten event was listed: {e}"));
            var checkpoints = (await second.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}/checkpoints?limit=100"))
                .GetProperty("data").EnumerateArray().ToList();
            Assert.NotEmpty(checkpoints);
            Assert.DoesNotContain(checkpoints, c => c.GetProperty("id").GetString() == "ftckpt-killed");
            var checkpointSteps = checkpoints.Select(c => c.GetProperty("step_number").GetInt64()).ToList();
            Assert.Equal(checkpointSteps.Count, checkpointSteps.Distinct().Count());
            string results = await second.Http.GetStringAsync($"/v1/files/{done.GetProperty("result_files")[0].GetString()}/content");
            var rows = results.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(r => long.Parse(r.Split(',')[0])).ToList();
            Assert.Equal(rows.Order(), rows);               // in step order: nothing from the killed run after it
            Assert.Equal(rows.Count, rows.Distinct().Count());   // one row per step, evaluated steps included
            return true;
        });

    /// <summary>A paused job stays paused across a restart: the next start resumes running jobs, not paused ones.</summary>
    [Fact]
    public async Task APausedJobStaysPausedAcrossARestart()
    {
        var store = Path.Combine(fixture.Tiny.Root, "paused-store");
        string jobId;
        await using (var first = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel))
        {
            var file = (await first.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.LongChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
            var job = await first.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, new FineTuningOptions
            {
                TrainingMethod = FineTuningTrainingMethod.CreateSupervised(HyperparameterBatchSize.CreateSize(1), HyperparameterEpochCount.CreateEpochCount(50), HyperparameterLearningRate.CreateAuto()),
            });
            jobId = job.JobId;
            var pause = await first.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/pause", null);
            Assert.True(pause.IsSuccessStatusCode, await pause.Content.ReadAsStringAsync());
            await first.App.StopAsync();
        }

        await using var second = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        // Once the queue has run another job to its end, it has had every chance to pick the paused one up.
        var other = await second.OpenAI.GetFineTuningClient().FineTuneAsync("tiny",
            (await second.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value.Id, waitUntilCompleted: false);
        await FineTuningServiceFixture.WaitForAsync(other, s => !s.InProgress);
        var paused = await second.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
        Assert.Equal("paused", FineTuningServiceFixture.Json(paused).GetProperty("status").GetString());
        Assert.DoesNotContain(await FineTuningServiceTests.Messages(paused), m => m.StartsWith("Resumed fine-tuning", StringComparison.Ordinal));
    }

    /// <summary>
    /// A process killed outright while a job was pausing (between the request and the checkpoint) leaves it "pausing":
    /// the next start pauses it where its checkpoint is, rather than resuming it as a running job or leaving it pausing for good.
    /// </summary>
    [Fact]
    public async Task AJobLeftPausingByAKilledProcessIsPausedByTheNextStart()
    {
        var store = Path.Combine(fixture.Tiny.Root, "pausing-store");
        using (var opened = FineTuningStore.Open(store))
        {
            opened.AddJob(new JobRecord
            {
                Id = "ftjob-pausing", CreatedAt = FineTuningStore.Now(), Model = "tiny", TrainingFile = "file-gone", Seed = 1, NEpochs = 1, BatchSize = 8,
                LearningRateMultiplier = 1, Status = JobStatus.Pausing,
            });
        }

        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        var job = await service.OpenAI.GetFineTuningClient().GetJobAsync("ftjob-pausing");
        Assert.Equal("paused", FineTuningServiceFixture.Json(job).GetProperty("status").GetString());
        Assert.Equal("Fine-tuning job paused: the service stopped while it was pausing; resuming it continues from the start (no checkpoint was written yet)",
            (await FineTuningServiceTests.Messages(job))[0]);
    }

    /// <summary>
    /// A job the stop interrupted resumes before an older job that was queued: the queue took jobs in creation order,
    /// so the older one started, and the interrupted one said "running" without training until the other finished.
    /// </summary>
    [Fact]
    public async Task AJobInterruptedByAStopResumesBeforeAnOlderQueuedOne()
    {
        var store = Path.Combine(fixture.Tiny.Root, "order-store");
        string older, interrupted;
        var longJob = new FineTuningOptions
        {
            TrainingMethod = FineTuningTrainingMethod.CreateSupervised(HyperparameterBatchSize.CreateSize(1), HyperparameterEpochCount.CreateEpochCount(50), HyperparameterLearningRate.CreateAuto()),
        };
        await using (var first = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel))
        {
            var client = first.OpenAI.GetFineTuningClient();
            var file = (await first.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.LongChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
            var p = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, longJob);
            older = p.JobId;
            var pause = await first.Http.PostAsync($"/v1/fine_tuning/jobs/{older}/pause", null);
            Assert.True(pause.IsSuccessStatusCode, await pause.Content.ReadAsStringAsync());
            var q = await client.FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, longJob);
            interrupted = q.JobId;
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while ((await FineTuningServiceTests.MetricSteps(q)).DefaultIfEmpty(0).Max() < 5)
            {
                Assert.True(DateTime.UtcNow < deadline, "the second job never trained");
                await Task.Delay(50);
            }
            var resume = await first.Http.PostAsync($"/v1/fine_tuning/jobs/{older}/resume", null);
            Assert.True(resume.IsSuccessStatusCode, await resume.Content.ReadAsStringAsync());
            await first.App.StopAsync();
            // The server's log says what the job's events say: an operator sees why the stop waited and where the job will go on.
            Assert.Contains(first.Logs.Lines, line => line.StartsWith("Warning OrtAgent.FineTuningService.Jobs.JobRunner: Fine-tuning job " + interrupted
                + ": The service stopped; the job resumes from its checkpoint at step ", StringComparison.Ordinal));
        }

        await using var second = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        var resumed = await second.OpenAI.GetFineTuningClient().GetJobAsync(interrupted);
        var until = DateTime.UtcNow.AddMinutes(1);
        while (!(await FineTuningServiceTests.Messages(resumed)).Any(m => m.StartsWith("Resumed fine-tuning", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < until, "the interrupted job did not resume first");
            await Task.Delay(100);
        }
        var waiting = await second.OpenAI.GetFineTuningClient().GetJobAsync(older);
        Assert.Equal("queued", FineTuningServiceFixture.Json(waiting).GetProperty("status").GetString());
        foreach (var id in new[] { interrupted, older })
            using (await second.Http.PostAsync($"/v1/fine_tuning/jobs/{id}/cancel", null)) { }
    }

    /// <summary>
    /// A store copied elsewhere while the original stays (a backup restored, a copy to try an upgrade on) resumes its
    /// interrupted job from the copy's own training file: the run's record named the original's file by full path, and
    /// the resumed run refused the copy's as another file, so the job failed.
    /// </summary>
    [Fact]
    public Task AJobInACopiedStoreResumesFromTheCopysOwnTrainingFile() =>
        OnAJobTheStopInterrupted("copied-store", async (original, jobId, lastTry) =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var copy = original + "-copy";
            CopyDirectory(original, copy);

            await using var second = await ServiceUnderTest.StartAsync(copy, fixture.Tiny.BaseModel);
            var resumed = await second.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
            var done = await FineTuningServiceFixture.WaitForAsync(resumed, s => !s.InProgress);
            var messages = await FineTuningServiceTests.Messages(resumed);
            if (!messages.Any(m => m.StartsWith("Resumed fine-tuning", StringComparison.Ordinal)) && !lastTry) return false;   // finished before the stop landed
            Assert.True(resumed.Status == FineTuningStatus.Succeeded, done.ToString());
            Assert.Contains(messages, m => m.StartsWith("Resumed fine-tuning from the checkpoint at step ", StringComparison.Ordinal));
            return true;
        });

    /// <summary>
    /// A job whose checkpoints the resumed run refuses (here its artifacts' vocab.txt with two tokens swapped) trains
    /// again from step 0, as it did, but says why in a warning event: any refusal of the artifacts was taken for a setup
    /// cut short without a word. It does not fail: the fault is in the server's files, which the restart makes afresh.
    /// </summary>
    [Fact]
    public Task AJobWhoseCheckpointIsRefusedTrainsAgainFromTheStartSayingWhy() =>
        OnAJobTheStopInterrupted("refused-store", async (store, jobId, lastTry) =>
        {
            var vocabPath = Path.Combine(store, "artifacts", jobId, "vocab.txt");
            if (!File.Exists(vocabPath) && !lastTry) return false;   // finished before the stop landed: its artifacts are gone
            var lines = File.ReadAllLines(vocabPath);
            (lines[^1], lines[^2]) = (lines[^2], lines[^1]);
            File.WriteAllLines(vocabPath, lines);

            await using var second = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
            var resumed = await second.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
            var done = await FineTuningServiceFixture.WaitForAsync(resumed, s => !s.InProgress);

            // The run's files are made afresh from the base, so the job trains again from step 0 and succeeds, and says why.
            Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
            var restart = Assert.Single(await FineTuningServiceTests.Messages(resumed), m => m.StartsWith("Fine-tuning job started again from step 0: its checkpoint could not be used (", StringComparison.Ordinal));
            Assert.Contains($"artifacts/{jobId}/vocab.txt: is not the vocabulary this run was set up with", restart);
            Assert.DoesNotContain(store, restart);
            return true;
        });

    /// <summary>
    /// A job whose artifacts lost their vocab.txt copy resumes with its base's put back, and the event that says so names
    /// the base by its name and the copy relative to the store: the line named the base's folder on the server's disk.
    /// </summary>
    [Fact]
    public Task AJobWhoseVocabularyCopyIsGoneResumesSayingSoWithoutTheServersPaths() =>
        OnAJobTheStopInterrupted("vocabulary-gone-store", async (store, jobId, lastTry) =>
        {
            var vocabPath = Path.Combine(store, "artifacts", jobId, "vocab.txt");
            if (!File.Exists(vocabPath) && !lastTry) return false;   // finished before the stop landed: its artifacts are gone
            File.Delete(vocabPath);

            await using var second = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
            var resumed = await second.OpenAI.GetFineTuningClient().GetJobAsync(jobId);
            var done = await FineTuningServiceFixture.WaitForAsync(resumed, s => !s.InProgress);

            Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
            var messages = await FineTuningServiceTests.Messages(resumed);
            Assert.True(messages.Any(m => m.StartsWith("Resumed fine-tuning from the checkpoint at step ", StringComparison.Ordinal)), string.Join("\n", messages));
            var restored = Assert.Single(messages, m => m.Contains("was missing; copied in the base's", StringComparison.Ordinal));
            Assert.StartsWith($"artifacts/{jobId}/vocab.txt was missing; copied in the base's (base model tiny: vocab.txt)", restored);
            Assert.DoesNotContain(Path.GetFullPath(fixture.Tiny.BaseModel), restored);
            Assert.DoesNotContain(store, restored);
            return true;
        });

    /// <summary>
    /// A job resumed after the server's base model changed under it (here its vocab.txt with two tokens swapped, the
    /// artifacts' own copy untouched) cannot continue from its checkpoint, and fails: it failed as invalid_training_file,
    /// which told the client to mend a file it never gave. It fails as base_model_changed, naming no server path.
    /// </summary>
    [Fact]
    public Task AJobWhoseBaseModelChangedSinceItBeganFailsSayingSoNotBlamingItsFile() =>
        OnAJobWhoseBaseChanged("base-changed", (baseModel, store) =>
        {
            var vocabPath = Path.Combine(baseModel, "vocab.txt");
            var lines = File.ReadAllLines(vocabPath);
            (lines[^1], lines[^2]) = (lines[^2], lines[^1]);
            File.WriteAllLines(vocabPath, lines);
            return ServiceUnderTest.StartAsync(store, baseModel);
        }, problem: "", alsoAssert: async (resumed, message) =>
        {
            Assert.Contains("vocab.txt", message);
            Assert.Contains("Fine-tuning job failed: " + message, await FineTuningServiceTests.Messages(resumed));
        });

    /// <summary>
    /// Runs <paramref name="attempt"/> on a fresh store (<paramref name="name"/>-1, -2, …) whose long job a stop
    /// interrupted midway (<see cref="StartAJobAndStopTheServiceMidway"/>), three times at most. The stop races the
    /// training thread: with the suite's other tests loading the machine, the job can take all its steps between the poll
    /// that saw step 20 and the stop (the likely cause of a failure in the suite of 2026-12-03), which interrupted
    /// nothing. <paramref name="attempt"/> gets the store, the job's id and whether this is the last try, and returns
    /// false for a job the stop did not interrupt, to try again; on the last try it asserts whatever it found.
    /// </summary>
    private async Task OnAJobTheStopInterrupted(string name, Func<string, string, bool, Task<bool>> attempt, string? baseModel = null)
    {
        const int attempts = 3;
        for (int tried = 1; tried <= attempts; tried++)
        {
            var store = Path.Combine(fixture.Tiny.Root, $"{name}-{tried}");
            string jobId = await StartAJobAndStopTheServiceMidway(store, baseModel);
            if (await attempt(store, jobId, tried == attempts)) return;
        }
        Assert.Fail($"the last of {attempts} tries asserted nothing");
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.GetDirectories(from)) CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
    }

    /// <summary>
    /// Starts a long batch-1 job on a service over <paramref name="store"/> (with <paramref name="baseModel"/> as tiny, the
    /// fixture's by default) and stops the service once the job passed step 20.
    /// </summary>
    private async Task<string> StartAJobAndStopTheServiceMidway(string store, string? baseModel = null)
    {
        await using var first = await ServiceUnderTest.StartAsync(store, baseModel ?? fixture.Tiny.BaseModel);
        var file = (await first.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.LongChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        var job = await first.OpenAI.GetFineTuningClient().FineTuneAsync("tiny", file.Id, waitUntilCompleted: false, new FineTuningOptions
        {
            // 1,800 batch-1 steps, several pages of events: the resume is found across pages.
            TrainingMethod = FineTuningTrainingMethod.CreateSupervised(HyperparameterBatchSize.CreateSize(1), HyperparameterEpochCount.CreateEpochCount(5), HyperparameterLearningRate.CreateAuto()),
        });
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await FineTuningServiceTests.MetricSteps(job)).DefaultIfEmpty(0).Max() < 20)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job never reached step 20");
            await Task.Delay(50);
        }
        await first.App.StopAsync();   // as Ctrl+C would: the running job checkpoints and stays "running"
        return job.JobId;
    }
}
