using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>The SQLite store: schema migrations, persistence across opens, and OpenAI-style paging.</summary>
public sealed class FineTuningStoreTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _work.Dispose();
    }

    private static JobRecord Job(string id) => new()
    {
        Id = id, CreatedAt = 1, Model = "minilm", TrainingFile = "file-x", Seed = 3, NEpochs = 2, BatchSize = 8,
        LearningRateMultiplier = 1.5, Status = JobStatus.Queued, Metadata = new Dictionary<string, string> { ["team"] = "ml" },
    };

    [Fact]
    public void JobsFilesAndEventsSurviveReopeningTheStore()
    {
        var store = FineTuningStore.Open(_work.Path);
        store.AddFile(new StoredFile("file-x", 10, 5, "a.jsonl", "fine-tune", "processed", "/tmp/a.jsonl"));
        store.AddJob(Job("ftjob-1"));
        store.UpdateJob(store.GetJob("ftjob-1")! with { Status = JobStatus.Failed, Error = new JobError("invalid_training_file", "line 3: bad", "training_file"), ResultFiles = ["file-r"] });
        store.AddEvent("ftjob-1", "info", "hello", "metrics", new Dictionary<string, object?> { ["step"] = 4 });

        var reopened = FineTuningStore.Open(_work.Path);
        var job = reopened.GetJob("ftjob-1")!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(new JobError("invalid_training_file", "line 3: bad", "training_file"), job.Error);
        Assert.Equal(["file-r"], job.ResultFiles);
        Assert.Equal("ml", job.Metadata!["team"]);
        Assert.Equal(1.5, job.LearningRateMultiplier);
        Assert.Equal("a.jsonl", reopened.GetFile("file-x")!.Filename);
        var e = Assert.Single(reopened.ListEvents("ftjob-1", null, 10).Items);
        Assert.Equal("{\"step\":4}", e.DataJson);
    }

    [Fact]
    public void ListsPageNewestFirstAfterAnId()
    {
        var store = FineTuningStore.Open(_work.Path);
        foreach (var id in new[] { "ftjob-a", "ftjob-b", "ftjob-c" }) store.AddJob(Job(id));

        var first = store.ListJobs(null, 2);
        Assert.Equal(["ftjob-c", "ftjob-b"], first.Items.Select(j => j.Id));
        Assert.True(first.HasMore);
        var second = store.ListJobs("ftjob-b", 2);
        Assert.Equal(["ftjob-a"], second.Items.Select(j => j.Id));
        Assert.False(second.HasMore);
    }

    [Fact]
    public void AStoreFromANewerOrtAgentIsRefusedUntouched()
    {
        FineTuningStore.Open(_work.Path);
        using (var connection = new SqliteConnection($"Data Source={_work.Combine(StoreDatabase.FileName)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {StoreDatabase.CurrentVersion + 1};";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();

        var error = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path));
        Assert.Contains($"schema version {StoreDatabase.CurrentVersion + 1} was written by a newer OrtAgent", error.Message);
    }

    [Fact]
    public void AFileThatIsNotADatabaseIsAUserError()
    {
        File.WriteAllText(_work.Combine(StoreDatabase.FileName), "not a database, just text that is long enough to have a header");

        var error = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path));
        Assert.Contains("cannot be opened as a database", error.Message);
    }
}
