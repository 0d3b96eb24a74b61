using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A job whose runner cannot record anything (a store that cannot be written: a database that stays full) is kept out
/// of the queue until the next start. The queue started it again as soon as its runner ended, over and over, training
/// it from its checkpoint (or step 0) each time, and the jobs behind it never ran.
/// </summary>
public sealed class UnrecordableJobTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AJobThatCannotBeRecordedIsNotRestartedUntilTheNextStartAndTheJobsBehindItRun()
    {
        string store = Path.Combine(fixture.Tiny.Root, "unrecordable-job-store");
        AddQueuedJob(store, "ftjob-unrecordable");
        AddQueuedJob(store, "ftjob-behind-it");
        // The first write of its runner (its "started" event) fails, as every write does on a database that stays full.
        RefuseEventsOf(store, "ftjob-unrecordable");

        await using (var service = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel))
        {
            var behind = await service.WaitForJobAsync("ftjob-behind-it", s => s is "failed" or "succeeded" or "cancelled", Bound);
            Assert.True(behind.GetProperty("status").GetString() == "succeeded", behind.ToString());

            var tries = service.Logs.Lines.Where(line => line.Contains("Fine-tuning job ftjob-unrecordable could not be recorded")).ToList();
            string logged = Assert.Single(tries);
            Assert.Contains("Fine-tuning job ftjob-unrecordable could not be recorded (the store cannot be written); it is not run again until the service starts again, which retries it", logged);
            var unrecordable = await service.WaitForJobAsync("ftjob-unrecordable", _ => true, Bound);
            Assert.Equal("queued", unrecordable.GetProperty("status").GetString());
        }

        // Writable again: the next start runs it.
        AcceptEventsOf(store);
        await using var restarted = await ServiceUnderTest.StartAsync(store, fixture.Tiny.BaseModel);
        var job = await restarted.WaitForJobAsync("ftjob-unrecordable", s => s is "failed" or "succeeded" or "cancelled", Bound);
        Assert.True(job.GetProperty("status").GetString() == "succeeded", job.ToString());
    }

    private void AddQueuedJob(string store, string jobId)
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
            LearningRateMultiplier = 1, Status = JobStatus.Queued,
        });
    }

    private static void RefuseEventsOf(string store, string jobId) => Execute(store,
        $"CREATE TRIGGER refuse_events BEFORE INSERT ON events WHEN NEW.job_id = '{jobId}' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");

    private static void AcceptEventsOf(string store) => Execute(store, "DROP TRIGGER refuse_events;");

    private static void Execute(string store, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(store, StoreDatabase.FileName), Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
