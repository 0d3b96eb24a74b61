using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Training.Trainer;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job whose step's event finds the store's database full (SQLite's SQLITE_FULL, seen by hand on a tmpfs store filled
/// while a job trained) fails as a full disk, <c>insufficient_storage</c>, with its checkpoints gone. It failed as an
/// <c>internal_error</c> whose record, written before the checkpoints were deleted, found no room either: the job stayed
/// <c>running</c> and the queue started it again from step 0, its event saying the service had been stopped.
/// </summary>
public sealed class FullDatabaseJobTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AJobWhoseEventFindsTheDatabaseFullFailsAsAFullDisk()
    {
        string store = Path.Combine(fixture.Tiny.Root, "full-database-store");
        await using var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel,
            beforeStart: app => app.Services.GetRequiredService<JobRunner>().ObserveTraining = (_, job, _) => new FullAfterCheckpoint(job));
        var file = (await service.OpenAI.GetOpenAIFileClient().UploadFileAsync(fixture.ChatFile, OpenAI.Files.FileUploadPurpose.FineTune)).Value;
        using var create = await service.Http.PostAsJsonAsync("/v1/fine_tuning/jobs", new
        {
            model = "tiny", training_file = file.Id, seed = 5,
            method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 1, batch_size = 8 } } },
        });
        Assert.True(create.IsSuccessStatusCode, await create.Content.ReadAsStringAsync());
        string jobId = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var job = await service.WaitForJobAsync(jobId, s => s is "failed" or "succeeded" or "cancelled", Bound);

        Assert.True(job.GetProperty("status").GetString() == "failed", job.ToString());
        var error = job.GetProperty("error");
        Assert.True(error.GetProperty("code").GetString() == "insufficient_storage", job.ToString());
        // Worded as the file system's full disk is, not in SQLite's words ("(SQLite Error 13: 'database or disk is full'.)").
        Assert.Equal("the service's disk is full (No space left on device: the service's database cannot grow); free space on the server, then create the job again",
            error.GetProperty("message").GetString());
        Assert.False(Directory.Exists(Path.Combine(store, "artifacts", jobId)), "the failed job's checkpoints are still in the store");
    }

    /// <summary>Reports to the job's own observer, then throws what SQLite throws when the next row finds no room.</summary>
    private sealed class FullAfterCheckpoint(ITrainingObserver job) : ITrainingObserver
    {
        public void OnTrainingStarted(long fromStep) => job.OnTrainingStarted(fromStep);

        public void OnStep(TrainingStepInfo step) => job.OnStep(step);

        public void OnEvaluation(EvaluationInfo evaluation) => job.OnEvaluation(evaluation);

        public void OnMessage(string message) => job.OnMessage(message);

        public void OnWarning(string message) => job.OnWarning(message);

        public void OnCheckpointSaved(long step)
        {
            job.OnCheckpointSaved(step);
            throw new SqliteException("SQLite Error 13: 'database or disk is full'.", 13);
        }

        public void OnStoppedAtCheckpoint(long step, string checkpointDirectory) => job.OnStoppedAtCheckpoint(step, checkpointDirectory);
    }
}
