using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Store;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;
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
        store.AddFile(new StoredFile("file-x", 10, 5, "a.jsonl", "fine-tune", "processed", Path.Combine(store.FilesDirectory, "file-x.jsonl")));
        store.AddJob(Job("ftjob-1"));
        store.UpdateJob(store.GetJob("ftjob-1")! with { Status = JobStatus.Failed, Error = new JobError("invalid_training_file", "line 3: bad", "training_file"), ResultFiles = ["file-r"] });
        store.AddEvent("ftjob-1", "info", "hello", "metrics", new Dictionary<string, object?> { ["step"] = 4 });
        store.Dispose();

        using var reopened = FineTuningStore.Open(_work.Path);
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

    /// <summary>
    /// A job resumed after a stop reported the mean training loss of its own steps only at its first checkpoint: the
    /// steps the stopped process took since the evaluation before are read back from the step-metrics CSV.
    /// </summary>
    [Fact]
    public void AResumedJobsFirstCheckpointAveragesTheStepsBeforeTheStopToo()
    {
        var store = FineTuningStore.Open(_work.Path);
        var csv = _work.Combine("step_metrics.csv");
        File.WriteAllLines(csv,
        [
            JobProgressObserver.CsvHeader,
            "1,1,0.9,0.001,1,,", "2,1,0.7,0.001,1,,", "2,1,,,,0.5,0.75",    // epoch 1 and its evaluation
            "3,2,0.4,0.001,1,,", "4,2,0.6,0.001,1,,",                     // steps before the stop, after the checkpoint at 4
        ]);
        using (var observer = new JobProgressObserver(store, "ftjob-r", "ft:m", csv, m => m))
        {
            observer.OnStep(new TrainingStepInfo(2, 5, 6, 0.8, 0.001, 1, 0));
            observer.OnEvaluation(new EvaluationInfo(2, 5, new ClassificationReportBuilder(["a", "b"]).Build(), IsBest: true, 0.5));
            observer.OnCheckpointSaved(5);
        }

        var checkpoint = Assert.Single(store.ListCheckpoints("ftjob-r", null, 10).Items);
        Assert.Equal(0.6, checkpoint.Metrics["train_loss"], 9);
        store.Dispose();
    }

    /// <summary>
    /// The step-metrics CSV had two rows for an evaluated step (the step's training columns, then the evaluation's
    /// alone); OpenAI's has one row per step. The evaluation fills its step's row, an evaluation between reported
    /// steps has a row of its own, and a run resumed from a checkpoint whose evaluation was cancelled completes the
    /// step's row it finds last in the file.
    /// </summary>
    [Fact]
    public void TheStepMetricsCsvHasOneRowPerStep()
    {
        var store = FineTuningStore.Open(_work.Path);
        var csv = _work.Combine("one-row.csv");
        var builder = new ClassificationReportBuilder(["a", "b"]);
        builder.Add(0, 0);
        builder.Add(1, 0);
        builder.AddLoss(0.5, 2);
        var report = builder.Build();
        using (var observer = new JobProgressObserver(store, "ftjob-rows", "ft:m", csv, m => m))
        {
            observer.OnStep(new TrainingStepInfo(1, 1, 6, 0.9, 0.001, 1, 0));
            observer.OnStep(new TrainingStepInfo(1, 2, 6, 0.7, 0.001, 1, 0));
            observer.OnEvaluation(new EvaluationInfo(1, 2, report, IsBest: true, 0.5));
            observer.OnStep(new TrainingStepInfo(2, 3, 6, 0.6, 0.001, 1, 0));
            observer.OnEvaluation(new EvaluationInfo(2, 4, report, IsBest: true, 0.5));   // step 4 was not reported
            observer.OnStep(new TrainingStepInfo(3, 5, 6, 0.4, 0.001, 1, 0));
            observer.OnCheckpointSaved(5);   // the evaluation of step 5 was cancelled: the resumed run does it first
        }
        using (var resumed = new JobProgressObserver(store, "ftjob-rows", "ft:m", csv, m => m))
        {
            resumed.OnEvaluation(new EvaluationInfo(3, 5, report, IsBest: true, 0.5));
            resumed.OnStep(new TrainingStepInfo(3, 6, 6, 0.3, 0.001, 1, 0));
        }

        Assert.Equal(
        [
            JobProgressObserver.CsvHeader,
            "1,1,0.9,0.001,1,,", "2,1,0.7,0.001,1,0.5,0.5", "3,2,0.6,0.001,1,,", "4,2,,,,0.5,0.5", "5,3,0.4,0.001,1,0.5,0.5", "6,3,0.3,0.001,1,,",
        ], File.ReadAllLines(csv));
        store.Dispose();
    }

    /// <summary>
    /// A job killed after listing its epoch-9 checkpoint at step 126 resumed from step 112, the trainer's last save (it
    /// saves at most every 50 steps on small data): a listed checkpoint was no resume point. An evaluation is listed
    /// once the trainer reports a save at its step or later, and at the run's end; never before.
    /// </summary>
    [Fact]
    public void ACheckpointIsListedOnlyOnceTheTrainersCheckpointHoldsItsStep()
    {
        using var store = FineTuningStore.Open(_work.Path);
        store.AddJob(Job("ftjob-c"));
        var report = new ClassificationReportBuilder(["a", "b"]).Build();
        long[] Listed() => [.. store.ListCheckpoints("ftjob-c", null, 10).Items.Select(c => c.StepNumber).Order()];
        using var observer = new JobProgressObserver(store, "ftjob-c", "ft:m", _work.Combine("c.csv"), m => m);

        observer.OnEvaluation(new EvaluationInfo(1, 14, report, IsBest: true, 0.5));
        observer.OnEvaluation(new EvaluationInfo(2, 28, report, IsBest: true, 0.5));
        Assert.Empty(Listed());
        observer.OnCheckpointSaved(14);
        Assert.Equal([14], Listed());
        observer.OnEvaluation(new EvaluationInfo(3, 42, report, IsBest: true, 0.5));
        observer.OnCheckpointSaved(50);   // a stop's checkpoint, past both
        Assert.Equal([14, 28, 42], Listed());
        observer.OnEvaluation(new EvaluationInfo(4, 56, report, IsBest: true, 0.5));
        observer.ListRemainingCheckpoints();   // the run finished
        Assert.Equal([14, 28, 42, 56], Listed());
        Assert.Equal("ft:m:ckpt-step-56", store.ListCheckpoints("ftjob-c", null, 1).Items[0].ModelCheckpoint);
    }

    /// <summary>
    /// A listed checkpoint's created_at was its evaluation's time, which on small data (the trainer saves at most every 50
    /// steps) can be long before the checkpoint existed to resume from; OpenAI's is when the checkpoint was created.
    /// </summary>
    [Fact]
    public void ACheckpointIsCreatedWhenTheTrainersSaveHoldsItNotAtItsEvaluation()
    {
        using var store = FineTuningStore.Open(_work.Path);
        store.AddJob(Job("ftjob-at"));
        var report = new ClassificationReportBuilder(["a", "b"]).Build();
        long now = 1_800_000_000;
        using var observer = new JobProgressObserver(store, "ftjob-at", "ft:m", _work.Combine("at.csv"), m => m, clock: () => now);

        observer.OnEvaluation(new EvaluationInfo(1, 14, report, IsBest: true, 0.5));
        now += 40;
        observer.OnEvaluation(new EvaluationInfo(2, 28, report, IsBest: true, 0.5));
        now += 30;
        observer.OnCheckpointSaved(50);
        now += 20;
        observer.OnEvaluation(new EvaluationInfo(3, 56, report, IsBest: true, 0.5));
        now += 10;
        observer.ListRemainingCheckpoints();

        Assert.Equal([(56L, 1_800_000_100L), (28L, 1_800_000_070L), (14L, 1_800_000_070L)],
            store.ListCheckpoints("ftjob-at", null, 10).Items.Select(c => (c.StepNumber, c.CreatedAt)));
    }

    /// <summary>
    /// A job counted as starting until its first reported step, which comes every 10 steps: a cancel at steps 1 to 9 was
    /// recorded as one "while it was starting" though the job had trained. It starts until the trainer reports that
    /// training began; a cancel after that stops the training instead, and one before it stops the run there.
    /// </summary>
    [Fact]
    public void AJobStartsUntilItsTrainerBeginsTrainingNotUntilItsFirstReportedStep()
    {
        using var store = FineTuningStore.Open(_work.Path);
        var training = new JobStartPhase();
        using (var observer = new JobProgressObserver(store, "ftjob-t", "ft:m", _work.Combine("t.csv"), m => m, training))
        {
            observer.OnTrainingStarted(0);
            Assert.False(training.TryStop(() => Assert.Fail("recorded as a cancel while starting")));
        }

        var starting = new JobStartPhase();
        Assert.True(starting.TryStop(() => { }));
        using (var observer = new JobProgressObserver(store, "ftjob-s", "ft:m", _work.Combine("s.csv"), m => m, starting))
            Assert.Throws<OperationCanceledException>(() => observer.OnTrainingStarted(0));
        Assert.True(starting.StoppedWhileStarting);
    }

    /// <summary>
    /// A pause that reaches a training job is recorded (<c>pausing</c>) under the phase's lock, so never after the runner
    /// recorded the job's end (it finished meanwhile): a job that succeeded never reads pausing. A starting job's pause is
    /// recorded as a stop instead.
    /// </summary>
    [Fact]
    public void APauseRecordedWhileTrainingNeverFollowsTheRunnersEnd()
    {
        var phase = new JobStartPhase();
        Assert.False(phase.TryRecordWhileTraining(() => Assert.Fail("recorded as pausing while starting")));
        Assert.True(phase.TryBeginTraining());
        int recorded = 0;
        Assert.True(phase.TryRecordWhileTraining(() => recorded++));
        Assert.True(phase.TryEnd(() => { }));
        Assert.False(phase.TryRecordWhileTraining(() => Assert.Fail("recorded as pausing after the job's end")));
        Assert.Equal(1, recorded);
    }

    /// <summary>
    /// After the last optimizer step no token is watched through the whole of what remains (the export's end), so a
    /// pause recorded then showed <c>pausing</c> for a job that went on to succeed. The observer ends training at the last
    /// step, and a pause is no longer recorded from there.
    /// </summary>
    [Fact]
    public void APauseIsNotRecordedOnceTheLastOptimizerStepIsTaken()
    {
        using var store = FineTuningStore.Open(_work.Path);
        store.AddJob(Job("ftjob-last"));
        var phase = new JobStartPhase();
        using var observer = new JobProgressObserver(store, "ftjob-last", "ft:m", _work.Combine("last.csv"), m => m, phase);
        observer.OnTrainingStarted(0);
        observer.OnStep(new TrainingStepInfo(1, 5, 6, 0.8, 0.001, 1, 0));
        int recorded = 0;
        Assert.True(phase.TryRecordWhileTraining(() => recorded++));   // a step is left: the pause stops there
        observer.OnStep(new TrainingStepInfo(1, 6, 6, 0.7, 0.001, 1, 0));
        Assert.False(phase.TryRecordWhileTraining(() => Assert.Fail("recorded as pausing after the last optimizer step")));
        Assert.Equal(1, recorded);
    }

    /// <summary>
    /// A step's loss or a validation loss that is not a finite number (a run gone astray) was written into the event's
    /// JSON, which holds no NaN nor infinity: the serializer threw inside the trainer's callback and ended the job as an
    /// internal error. Such a figure is left out of the event, the checkpoint and the metrics file alike.
    /// </summary>
    [Fact]
    public void FiguresThatAreNotFiniteAreLeftOutOfTheJobsEventsAndCheckpoints()
    {
        using var store = FineTuningStore.Open(_work.Path);
        store.AddJob(Job("ftjob-astray"));
        var csv = _work.Combine("astray.csv");
        var report = new ClassificationReportBuilder(["a", "b"]);
        report.AddLoss(double.PositiveInfinity, 1);
        using (var observer = new JobProgressObserver(store, "ftjob-astray", "ft:m", csv, m => m))
        {
            observer.OnStep(new TrainingStepInfo(1, 1, 2, double.NaN, 0.001, double.PositiveInfinity, 0));
            observer.OnEvaluation(new EvaluationInfo(1, 1, report.Build(), IsBest: true, 0.5));
            observer.OnCheckpointSaved(1);
        }

        var events = store.ListEvents("ftjob-astray", null, 10).Items.Where(e => e.Type == "metrics").ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.DoesNotContain("loss", e.DataJson));
        Assert.DoesNotContain("grad_norm", events.Single(e => e.Message.StartsWith("Step")).DataJson);
        var checkpoint = Assert.Single(store.ListCheckpoints("ftjob-astray", null, 10).Items);
        Assert.DoesNotContain("valid_loss", checkpoint.Metrics.Keys);
        Assert.StartsWith("1,1,,0.001,,", File.ReadAllLines(csv).First(l => l.StartsWith("1,")));
        Assert.DoesNotContain(File.ReadAllLines(csv), l => l.Contains("Infinity") || l.Contains("NaN"));
    }

    /// <summary>
    /// A kill after a job's record said it ended, before its training artifacts were deleted, left them (hundreds of MB)
    /// for good; a job that may still train keeps its own.
    /// </summary>
    [Fact]
    public void TheArtifactsOfJobsThatEndedAreRemovedWhenTheStoreOpens()
    {
        var store = FineTuningStore.Open(_work.Path);
        foreach (var (id, status) in new[] { ("ftjob-done", JobStatus.Succeeded), ("ftjob-off", JobStatus.Cancelled), ("ftjob-paused", JobStatus.Paused), ("ftjob-queued", JobStatus.Queued) })
        {
            store.AddJob(Job(id) with { Status = status });
            Directory.CreateDirectory(Path.Combine(store.JobArtifactsDirectory(id), "checkpoint"));
        }
        Directory.CreateDirectory(Path.Combine(store.ArtifactsDirectory, "not-a-job"));
        store.Dispose();

        using var reopened = FineTuningStore.Open(_work.Path);

        Assert.Equal(["ftjob-paused", "ftjob-queued", "not-a-job"], Directory.GetDirectories(reopened.ArtifactsDirectory).Select(Path.GetFileName).Order());
    }

    /// <summary>
    /// A store moved to a bigger disk, or restored from a backup elsewhere, must still find its files' bytes, including
    /// rows an older OrtAgent wrote with the full path of the store's first place.
    /// </summary>
    [Fact]
    public void AMovedStoreFindsItsFilesBytes()
    {
        var first = _work.Combine("first");
        using (var store = FineTuningStore.Open(first))
        {
            var bytes = Path.Combine(store.FilesDirectory, "file-new.jsonl");
            File.WriteAllText(bytes, "{\"text\":\"a\",\"label\":\"b\"}\n");
            store.AddFile(new StoredFile("file-new", 24, 1, "a.jsonl", "fine-tune", "processed", bytes));
            File.WriteAllText(Path.Combine(store.FilesDirectory, "file-old.csv"), "text,label\n");
        }
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(first, StoreDatabase.FileName)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO files (id, bytes, created_at, filename, purpose, status, path) " +
                $"VALUES ('file-old', 11, 1, 'b.csv', 'fine-tune', 'processed', '{Path.Combine(first, "files", "file-old.csv")}')";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
        var moved = _work.Combine("moved");
        Directory.Move(first, moved);

        using var reopened = FineTuningStore.Open(moved);
        Assert.Equal(Path.Combine(moved, "files", "file-new.jsonl"), reopened.GetFile("file-new")!.Path);
        Assert.Equal(Path.Combine(moved, "files", "file-old.csv"), reopened.GetFile("file-old")!.Path);
        Assert.Equal("text,label\n", File.ReadAllText(reopened.GetFile("file-old")!.Path));
        Assert.Throws<ArgumentException>(() =>
            reopened.AddFile(new StoredFile("file-out", 1, 1, "c.csv", "fine-tune", "processed", _work.Combine("c.csv"))));
    }

    /// <summary>
    /// A client polling a job (the MCP tool, the SDK's wait loop) reads the job, then its events: it must never find the
    /// job ended without the event that says how. A writer ends jobs while a reader polls each as fast as it can.
    /// </summary>
    [Fact]
    public async Task AJobsNewStatusAndItsEventAreSeenTogether()
    {
        using var store = FineTuningStore.Open(_work.Path);
        var ids = Enumerable.Range(0, 150).Select(i => $"ftjob-{i:D3}").ToArray();
        foreach (var id in ids) store.AddJob(Job(id), "created");
        var deadline = DateTime.UtcNow.AddSeconds(60);

        var writer = Task.Run(() =>
        {
            foreach (var id in ids) store.UpdateJob(store.GetJob(id)! with { Status = JobStatus.Succeeded }, "info", $"{id} done");
        });
        var withoutEvent = new List<string>();
        foreach (var id in ids)
        {
            while (store.GetJob(id)!.Status != JobStatus.Succeeded && DateTime.UtcNow < deadline) { }
            if (!store.ListEvents(id, null, 10).Items.Any(e => e.Message == $"{id} done")) withoutEvent.Add(id);
        }
        await writer;

        Assert.Empty(withoutEvent);
        Assert.All(ids, id => Assert.Equal(["created"], store.ListEvents(id, null, 10).Items.Where(e => e.Message != $"{id} done").Select(e => e.Message)));
    }

    [Fact]
    public void ListsPageNewestFirstAfterAnId()
    {
        using var store = FineTuningStore.Open(_work.Path);
        foreach (var id in new[] { "ftjob-a", "ftjob-b", "ftjob-c" }) store.AddJob(Job(id));

        var first = store.ListJobs(null, 2);
        Assert.Equal(["ftjob-c", "ftjob-b"], first.Items.Select(j => j.Id));
        Assert.True(first.HasMore);
        var second = store.ListJobs("ftjob-b", 2);
        Assert.Equal(["ftjob-a"], second.Items.Select(j => j.Id));
        Assert.False(second.HasMore);
    }

    /// <summary>
    /// Steps reported past the checkpoint a resumed job starts from are forgotten and reported anew. Their events were
    /// deleted, so a client paging with one's id (its last page's last_id) was refused an unknown cursor after the
    /// restart; the page goes on from where that event stood, and a forgotten event is listed no more, nor forgotten again.
    /// </summary>
    [Fact]
    public void AForgottenEventsIdPagesFromWhereItStood()
    {
        using var store = FineTuningStore.Open(_work.Path);
        store.AddJob(Job("ftjob-a"), "Created");
        var steps = Enumerable.Range(1, 4)
            .Select(step => store.AddEvent("ftjob-a", "info", $"Step {step}", "metrics", new Dictionary<string, object?> { ["step"] = step })).ToList();

        Assert.Equal(4, store.ForgetStepsAfter("ftjob-a", 2));
        store.AddEvent("ftjob-a", "info", "Step 3 again", "metrics", new Dictionary<string, object?> { ["step"] = 3 });

        var page = store.ListEvents("ftjob-a", steps[3].Id, 10);
        Assert.Null(page.UnknownCursor);
        Assert.Equal(["Step 2", "Step 1", "Created"], page.Items.Select(e => e.Message));
        Assert.Equal(["Step 3 again", "Step 2", "Step 1", "Created"], store.ListEvents("ftjob-a", null, 10).Items.Select(e => e.Message));
        Assert.Equal(3, store.ForgetStepsAfter("ftjob-a", 2));   // the step reported anew; step 4, forgotten already, is not counted
        Assert.Equal(["Step 2", "Step 1", "Created"], store.ListEvents("ftjob-a", null, 10).Items.Select(e => e.Message));
        Assert.Equal("ftevent-none", store.ListEvents("ftjob-a", "ftevent-none", 10).UnknownCursor);
    }

    /// <summary>
    /// A start refused because the store's database is not one said so in one line, but had made empty files/ and
    /// models/ first: the folders are made once the database opened, and the store is left as it was found.
    /// </summary>
    [Fact]
    public void AStoreWhoseDatabaseIsNotOneIsRefusedLeavingItAsItWas()
    {
        File.WriteAllText(_work.Combine(StoreDatabase.FileName), "hi");

        var error = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path));

        Assert.StartsWith($"--store {_work.Path}: {StoreDatabase.FileName} cannot be opened as a database: ", error.Message);
        Assert.Equal([StoreDatabase.FileName], Directory.GetFileSystemEntries(_work.Path).Select(Path.GetFileName));
        Assert.Equal("hi", File.ReadAllText(_work.Combine(StoreDatabase.FileName)));
    }

    /// <summary>A --store that names a file is refused saying so, and the file is left as it was.</summary>
    [Fact]
    public void AStoreThatIsAFileIsRefusedSayingSo()
    {
        string file = _work.Combine("store.txt");
        File.WriteAllText(file, "notes");

        var error = Assert.Throws<UserInputException>(() => FineTuningStore.Open(file));

        Assert.Equal($"--store {file}: is a file; a store is a directory of its own (new, empty, or an earlier store)", error.Message);
        Assert.Equal(["store.txt"], Directory.GetFileSystemEntries(_work.Path).Select(Path.GetFileName));
        Assert.Equal("notes", File.ReadAllText(file));

        // Below a file, the store cannot be made, and the open removes what it made, which is not the file on the way.
        string below = Path.Combine(file, "store");
        var refused = Assert.Throws<UserInputException>(() => FineTuningStore.Open(below));
        Assert.StartsWith($"--store {below}: cannot create the store: ", refused.Message);
        Assert.Equal("notes", File.ReadAllText(file));
    }

    [Fact]
    public void AStoreFromANewerOrtAgentIsRefusedUntouched()
    {
        FineTuningStore.Open(_work.Path).Dispose();
        using (var connection = new SqliteConnection($"Data Source={_work.Combine(StoreDatabase.FileName)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {StoreDatabase.CurrentVersion + 1};";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();

        var error = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path));
        Assert.Equal(NewerStoreMessage(_work.Path), error.Message);
    }

    /// <summary>Why a store a newer OrtAgent wrote is refused: its version, and the build to use instead.</summary>
    internal static string NewerStoreMessage(string store) =>
        $"--store {store}: {StoreDatabase.FileName} has schema version {StoreDatabase.CurrentVersion + 1}, written by a newer OrtAgent; "
        + $"this build knows versions up to {StoreDatabase.CurrentVersion}: use that newer build for this store, or give another --store";

    /// <summary>
    /// What the first released OrtAgent wrote (schema version 1), frozen here as that build left it on disk: the
    /// upgrade must keep its jobs, files and events and add what later versions know.
    /// </summary>
    internal const string VersionOneStore = """
        CREATE TABLE files (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, bytes INTEGER NOT NULL, created_at INTEGER NOT NULL,
            filename TEXT NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, path TEXT NOT NULL);
        CREATE TABLE jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, model TEXT NOT NULL,
            training_file TEXT NOT NULL, validation_file TEXT, suffix TEXT, seed INTEGER NOT NULL, n_epochs INTEGER NOT NULL,
            batch_size INTEGER NOT NULL, learning_rate_multiplier REAL NOT NULL, metadata TEXT, status TEXT NOT NULL,
            fine_tuned_model TEXT, finished_at INTEGER, trained_tokens INTEGER, error_code TEXT, error_message TEXT,
            error_param TEXT, result_files TEXT NOT NULL DEFAULT '[]', estimated_finish INTEGER);
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, job_id TEXT NOT NULL, created_at INTEGER NOT NULL,
            level TEXT NOT NULL, message TEXT NOT NULL, type TEXT NOT NULL, data TEXT);
        CREATE INDEX events_by_job ON events (job_id, seq);
        CREATE TABLE checkpoints (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, job_id TEXT NOT NULL, created_at INTEGER NOT NULL,
            step_number INTEGER NOT NULL, model_checkpoint TEXT NOT NULL, metrics TEXT NOT NULL);
        CREATE INDEX checkpoints_by_job ON checkpoints (job_id, seq);
        INSERT INTO files (id, bytes, created_at, filename, purpose, status, path)
            VALUES ('file-old', 120, 1700000000, 'reviews.jsonl', 'fine-tune', 'processed', '/store/files/file-old.jsonl');
        INSERT INTO jobs (id, created_at, model, training_file, seed, n_epochs, batch_size, learning_rate_multiplier, status,
                          fine_tuned_model, finished_at, trained_tokens, result_files)
            VALUES ('ftjob-old', 1700000001, 'minilm', 'file-old', 42, 3, 16, 1.0, 'succeeded',
                    'ft:minilm:reviews:ftjob-old', 1700000100, 3600, '["file-res"]');
        INSERT INTO events (id, job_id, created_at, level, message, type) VALUES ('ftevent-old', 'ftjob-old', 1700000100, 'info', 'done', 'message');
        PRAGMA user_version = 1;
        """;

    [Fact]
    public void AStoreFromTheFirstReleaseIsUpgradedInPlaceKeepingItsRecords()
    {
        using (var connection = new SqliteConnection($"Data Source={_work.Combine(StoreDatabase.FileName)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = VersionOneStore;
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();

        var store = FineTuningStore.Open(_work.Path);

        var job = store.GetJob("ftjob-old")!;
        Assert.Equal((JobStatus.Succeeded, "ft:minilm:reviews:ftjob-old", 3600L, 42), (job.Status, job.FineTunedModel, job.TrainedTokens, job.Seed));
        Assert.False(job.ModelDeleted);
        Assert.Equal(["file-res"], job.ResultFiles);
        Assert.Equal("reviews.jsonl", store.GetFile("file-old")!.Filename);
        Assert.Equal("done", Assert.Single(store.ListEvents("ftjob-old", null, 10).Items).Message);
        Assert.Equal("ft:minilm:reviews:ftjob-old", Assert.Single(store.JobsWithModels()).FineTunedModel);
        // The upgraded store takes what the newer version writes, and reopens without migrating again.
        store.UpdateJob(job with { ModelDeleted = true });
        store.Dispose();
        SqliteConnection.ClearAllPools();
        using (var reopened = FineTuningStore.Open(_work.Path)) Assert.True(reopened.GetJob("ftjob-old")!.ModelDeleted);
        using (var connection = new SqliteConnection($"Data Source={_work.Combine(StoreDatabase.FileName)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version;";
            Assert.Equal((long)StoreDatabase.CurrentVersion, command.ExecuteScalar());
        }
    }

    /// <summary>
    /// A store of the schema before jobs recorded their method (version 2: version 1 and its deleted-model column): its
    /// jobs trained by standard fine-tuning, and read so after the upgrade; a contrastive job is then recorded as one.
    /// </summary>
    [Fact]
    public void AStoreFromBeforeMethodsReadsItsJobsAsSupervisedAndRecordsContrastiveOnes()
    {
        using (var connection = new SqliteConnection($"Data Source={_work.Combine(StoreDatabase.FileName)}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = VersionOneStore.Replace("PRAGMA user_version = 1;", "ALTER TABLE jobs ADD COLUMN model_deleted INTEGER NOT NULL DEFAULT 0;\nPRAGMA user_version = 2;");
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();

        using var store = FineTuningStore.Open(_work.Path);

        var old = store.GetJob("ftjob-old")!;
        Assert.Equal((TrainingMethod.Standard, (int?)null, 3), (old.Method, old.PairRounds, old.NEpochs));
        var method = OrtAgent.FineTuningService.Api.FineTuningJobObject.From(old, 1700000200).Method;
        Assert.Equal(("supervised", 3, 16), (method.Type, method.Supervised!.Hyperparameters.NEpochs, method.Supervised.Hyperparameters.BatchSize));
        Assert.Null(method.Contrastive);

        store.AddJob(Job("ftjob-pairs") with { Method = TrainingMethod.Contrastive, NEpochs = 1, PairRounds = 7 });
        var pairs = store.GetJob("ftjob-pairs")!;
        Assert.Equal((TrainingMethod.Contrastive, (int?)7), (pairs.Method, pairs.PairRounds));
        var contrastive = OrtAgent.FineTuningService.Api.FineTuningJobObject.From(pairs, 1700000200).Method;
        Assert.Equal(("contrastive", 1, 8, 1.5, 7), (contrastive.Type, contrastive.Contrastive!.Hyperparameters.NEpochs,
            contrastive.Contrastive.Hyperparameters.BatchSize, contrastive.Contrastive.Hyperparameters.LearningRateMultiplier, contrastive.Contrastive.Hyperparameters.PairRounds));
        Assert.Null(contrastive.Supervised);
    }

    [Fact]
    public void AFileThatIsNotADatabaseIsAUserError()
    {
        File.WriteAllText(_work.Combine(StoreDatabase.FileName), "not a database, just text that is long enough to have a header");

        var error = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path));
        Assert.Contains("cannot be opened as a database", error.Message);
    }

    [Fact]
    public void OneProcessAtATimeRunsAStoresJobs()
    {
        var first = FineTuningStore.Open(_work.Path);

        var error = Assert.Throws<UserInputException>(() => FineTuningStore.Open(_work.Path));
        Assert.Equal($"--store {_work.Path}: another OrtAgent process (serve or mcp with --fine-tuning) is running this store's jobs; " +
            "stop it, give this one another --store, or connect to that service (its /mcp offers the same tools)", error.Message);

        // The claim ends with the first opener (the OS also drops it when a process dies, kill -9 included).
        first.Dispose();
        using var second = FineTuningStore.Open(_work.Path);
        Assert.True(File.Exists(_work.Combine(FineTuningStore.LockFileName)));
    }

    [Fact]
    public void WhatAKilledProcessLeftUnlistedIsRemovedAtOpenAndNothingElse()
    {
        string files = _work.Combine("files");
        using (var store = FineTuningStore.Open(_work.Path))
        {
            var listed = Path.Combine(files, "file-listed.jsonl");
            File.WriteAllText(listed, "{}");
            store.AddFile(new StoredFile("file-listed", 2, 1, "a.jsonl", "fine-tune", "processed", listed));
            File.WriteAllText(Path.Combine(files, "file-rowdeleted.jsonl"), "{}");      // killed between the row's and the bytes' deletion
            File.WriteAllText(Path.Combine(files, "file-upload.csv.partial"), "text");  // killed mid-upload
            File.WriteAllText(Path.Combine(files, "notes.txt"), "not the store's");
            foreach (var (id, deleted) in new[] { ("ftjob-deleted", true), ("ftjob-served", false) })
            {
                store.AddJob(Job(id));
                store.UpdateJob(store.GetJob(id)! with { Status = JobStatus.Succeeded, FineTunedModel = $"ft:minilm::{id}", ModelDeleted = deleted });
                Directory.CreateDirectory(store.ModelDirectory(id));
                File.WriteAllText(Path.Combine(store.ModelDirectory(id), "model.onnx"), "weights");
            }
        }

        using var reopened = FineTuningStore.Open(_work.Path);

        Assert.Equal(["file-listed.jsonl", "notes.txt"], Directory.GetFiles(files).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("{}", File.ReadAllText(reopened.GetFile("file-listed")!.Path));
        Assert.False(Directory.Exists(reopened.ModelDirectory("ftjob-deleted")));
        Assert.True(File.Exists(Path.Combine(reopened.ModelDirectory("ftjob-served"), "model.onnx")));
    }
}
