using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A cancel after a job's last optimizer step wins until its model is put in place, and then the job is cancelled and
/// has no model. A job whose process was killed between its export and the record of its success resumes at that
/// finished checkpoint and exports again; cancelled before that export's swap (or while paused), it said
/// <c>cancelled</c> and kept the earlier process's model in the store, listed nowhere. Nothing of it is left now.
/// </summary>
public sealed class CancelAfterLastStepTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AResumedFinishedJobCancelledBeforeItsExportKeepsNoModel()
    {
        string store = Path.Combine(fixture.Tiny.Root, "cancel-after-last-step-store");
        string jobId = await JobKilledBetweenItsExportAndItsSuccessAsync(store);

        var hold = new HeldTraining(HeldTraining.Point.TrainingStarted);
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel,
            beforeStart: app => hold.Install(app.Services.GetRequiredService<JobRunner>()));
        HttpResponseMessage cancel;
        try
        {
            await hold.Entered.WaitAsync(Bound);
            // Answered once the job has stopped: the hold lets it go on when the cancel reaches its training.
            cancel = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/cancel", null);
        }
        finally
        {
            hold.Release();
        }

        using (cancel)
        {
            var job = await cancel.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(cancel.StatusCode == HttpStatusCode.OK, job.ToString());
            Assert.Equal("cancelled", job.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, job.GetProperty("fine_tuned_model").ValueKind);
        }
        var events = await service.Http.GetFromJsonAsync<JsonElement>($"/v1/fine_tuning/jobs/{jobId}/events?limit=100");
        // Where the job stood: the checkpoint it resumed from, not step 0 (it reported no step of its own).
        Assert.True(events.GetProperty("data")[0].GetProperty("message").GetString() == "Fine-tuning job cancelled at step 5", events.ToString());
        Assert.False(Directory.Exists(Path.Combine(store, "models", jobId)), "the cancelled job's model is still in the store");
        Assert.False(Directory.Exists(Path.Combine(store, "artifacts", jobId)));
    }

    [Fact]
    public async Task APausedJobCancelledKeepsNoModel()
    {
        string store = Path.Combine(fixture.Tiny.Root, "cancel-paused-store");
        string jobId = await JobKilledBetweenItsExportAndItsSuccessAsync(store, JobStatus.Paused);

        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        using var cancel = await service.Http.PostAsync($"/v1/fine_tuning/jobs/{jobId}/cancel", null);

        var job = await cancel.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(cancel.StatusCode == HttpStatusCode.OK, job.ToString());
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.False(Directory.Exists(Path.Combine(store, "models", jobId)), "the cancelled job's model is still in the store");
    }

    /// <summary>
    /// A store as a process killed after its job's export swap, before it recorded the success, leaves it: the job
    /// <paramref name="status"/> (running: the next start resumes it), its finished checkpoint, and its model in place.
    /// Made by a real job (5 steps of 8, one epoch) held at its last checkpoint while the artifacts are copied, which
    /// its success then deletes, and put back.
    /// </summary>
    private async Task<string> JobKilledBetweenItsExportAndItsSuccessAsync(string store, string status = JobStatus.Running)
    {
        var hold = new HeldTraining(HeldTraining.Point.LastStepCheckpoint);
        string jobId, artifacts, kept = store + "-artifacts";
        await using (var first = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel,
                         beforeStart: app => hold.Install(app.Services.GetRequiredService<JobRunner>())))
        {
            var file = (await first.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
            using var create = await first.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new
            {
                model = "tiny", training_file = file.Id, seed = 5,
                method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 1, batch_size = 8 } } },
            });
            Assert.True(create.IsSuccessStatusCode, await create.Content.ReadAsStringAsync());
            jobId = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            artifacts = Path.Combine(store, "artifacts", jobId);
            try
            {
                await hold.Entered.WaitAsync(Bound);
                DirectoryCopy.Recursive(artifacts, kept);
            }
            finally
            {
                hold.Release();
            }
            await first.WaitForJobAsync(jobId, s => s == "succeeded", Bound);
        }
        Assert.True(File.Exists(Path.Combine(store, "models", jobId, "model.onnx")));
        // Put back once the job reads unfinished: opening the store sweeps the artifacts of finished jobs.
        using (var opened = FineTuningStore.Open(store))
        {
            var job = opened.GetJob(jobId)!;
            opened.UpdateJob(job with { Status = status, FineTunedModel = null, FinishedAt = null, TrainedTokens = null, ResultFiles = [] });
        }
        Directory.Move(kept, artifacts);
        return jobId;
    }
}
