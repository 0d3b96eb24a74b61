using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Store;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.Training.Evaluation;
using OrtAgent.Training.Trainer;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The SQLite store at work: persistence across opens, what a job records as it trains, and OpenAI-style paging.
/// Opening one (refusals, schema upgrades, what is cleaned up) is <see cref="FineTuningStoreOpenTests"/>'s.
/// </summary>
public sealed class FineTuningStoreTests : IDisposable
{
    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _work.Dispose();
    }

    internal static JobRecord Job(string id) => new()
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
    /// Told every step, the observer writes every step's row and sends a metrics event every --metrics-every steps and
    /// at each epoch's last, as the trainer reported them: known from the evaluation of that step, or from the next
    /// step being in the next epoch (a contrastive job evaluates only at its end), and sent before what follows it.
    /// </summary>
    [Fact]
    public void EveryStepHasItsRowAndMetricsEventsComeEveryFewStepsAndAtEachEpochsEnd()
    {
        using var store = FineTuningStore.Open(_work.Path);
        store.AddJob(Job("ftjob-every"));
        var report = new ClassificationReportBuilder(["a", "b"]).Build();
        string csv = _work.Combine("every.csv");
        using (var observer = new JobProgressObserver(store, "ftjob-every", "ft:m", csv, m => m, metricsEvery: 5))
        {
            for (int step = 1; step <= 12; step++)
            {
                observer.OnStep(new TrainingStepInfo((step - 1) / 4 + 1, step, 12, 0.5, 0.001, 1, 0));
                if (step is 4 or 12) observer.OnEvaluation(new EvaluationInfo(step / 4, step, report, IsBest: true, 0.5));
            }
        }

        Assert.Equal(Enumerable.Range(1, 12).Select(step => step.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            File.ReadAllLines(csv).Skip(1).Select(row => row[..row.IndexOf(',')]));
        // Oldest first: each step's event before the evaluation of it.
        var events = store.ListEvents("ftjob-every", null, 100).Items.Reverse().Select(e => e.Message).ToList();
        Assert.Equal(
        [
            "Step 4/12: training loss=0.5000", "Epoch 1 evaluation at step 4", "Step 5/12: training loss=0.5000", "Step 8/12: training loss=0.5000",
            "Step 10/12: training loss=0.5000", "Step 12/12: training loss=0.5000", "Epoch 3 evaluation at step 12",
        ], events.Select(message => message.StartsWith("Epoch", StringComparison.Ordinal) ? message[..message.IndexOf(':')] : message));
    }

    /// <summary>
    /// A pause's event said "paused at step 10; resuming it continues from its checkpoint at step 11": where training
    /// stood was the last step reported (every --metrics-every steps), not the step the stop's checkpoint was written at.
    /// </summary>
    [Fact]
    public void WhereTrainingStoodIsTheStepTheStopsCheckpointHolds()
    {
        using var store = FineTuningStore.Open(_work.Path);
        store.AddJob(Job("ftjob-stop"));
        using var observer = new JobProgressObserver(store, "ftjob-stop", "ft:m", _work.Combine("stop.csv"), m => m);
        observer.OnTrainingStarted(0);
        observer.OnStep(new TrainingStepInfo(1, 10, 34, 0.5, 0.001, 1, 0));
        Assert.Equal(10, observer.LastStep);

        observer.OnStoppedAtCheckpoint(11, _work.Combine("checkpoint"));

        Assert.Equal(11, observer.LastStep);
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
}
