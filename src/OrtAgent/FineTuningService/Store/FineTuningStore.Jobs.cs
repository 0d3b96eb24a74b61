using System.Text.Json;
using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.FineTuningService.Store;

// The store's records of jobs, and of the events and checkpoints each job reports.
internal sealed partial class FineTuningStore
{
    /// <summary>Adds a job with the events that say how it came to be, in one transaction.</summary>
    public void AddJob(JobRecord job, params string[] infoMessages) => _db.ExecuteTogether(
    [
        new Statement(
            """
            INSERT INTO jobs (id, created_at, model, training_file, validation_file, suffix, seed, method, n_epochs, batch_size,
                              learning_rate_multiplier, pair_rounds, hyperparameters_under_method, metadata, status)
            VALUES ($id, $created, $model, $training, $validation, $suffix, $seed, $method, $epochs, $batch, $lr, $rounds, $under, $metadata, $status)
            """,
            ("$id", job.Id), ("$created", job.CreatedAt), ("$model", job.Model), ("$training", job.TrainingFile),
            ("$validation", job.ValidationFile), ("$suffix", job.Suffix), ("$seed", job.Seed), ("$epochs", job.NEpochs),
            ("$batch", job.BatchSize), ("$lr", job.LearningRateMultiplier), ("$method", MethodType.Of(job.Method)), ("$rounds", job.PairRounds),
            ("$under", job.HyperparametersUnderMethod ? 1 : 0),
            ("$metadata", job.Metadata is null ? null : JsonSerializer.Serialize(job.Metadata)), ("$status", job.Status)),
        .. infoMessages.Select(message => EventStatement(job.Id, NewEvent("info", message, "message", null))),
    ]);

    /// <summary>Writes the fields a job changes while it runs.</summary>
    public void UpdateJob(JobRecord job) => _db.ExecuteTogether(UpdateStatement(job));

    /// <summary>
    /// Writes a job's changed fields and the event that says why in one transaction, so a client polling the job never
    /// sees it started, cancelled or ended without the event that tells how.
    /// </summary>
    public void UpdateJob(JobRecord job, string level, string message) =>
        _db.ExecuteTogether(UpdateStatement(job), EventStatement(job.Id, NewEvent(level, message, "message", null)));

    private static Statement UpdateStatement(JobRecord job) => new(
        """
        UPDATE jobs SET status = $status, fine_tuned_model = $model, finished_at = $finished, trained_tokens = $tokens,
               error_code = $code, error_message = $message, error_param = $param, result_files = $results,
               estimated_finish = $estimate, model_deleted = $deleted
        WHERE id = $id
        """,
        ("$id", job.Id), ("$status", job.Status), ("$model", job.FineTunedModel), ("$finished", job.FinishedAt),
        ("$tokens", job.TrainedTokens), ("$code", job.Error?.Code), ("$message", job.Error?.Message), ("$param", job.Error?.Param),
        ("$results", JsonSerializer.Serialize(job.ResultFiles)), ("$estimate", job.EstimatedFinish), ("$deleted", job.ModelDeleted ? 1 : 0));

    /// <summary>
    /// Written from the training thread without touching the status, which the runner and the queue (pausing, paused,
    /// cancelled) change.
    /// </summary>
    public void SetEstimatedFinish(string jobId, long? unixSeconds) =>
        _db.Execute("UPDATE jobs SET estimated_finish = $estimate WHERE id = $id", ("$id", jobId), ("$estimate", unixSeconds));

    public JobRecord? GetJob(string id) => _db.Query("SELECT * FROM jobs WHERE id = $id", ReadJob, ("$id", id)).SingleOrDefault();

    /// <summary>
    /// A page of jobs, newest first; with <paramref name="metadata"/>, only those it matches. A job it leaves out is still a
    /// cursor: a page after it goes on from where it stands, as a client paging a list that changed meanwhile expects.
    /// </summary>
    public Page<JobRecord> ListJobs(string? after, int limit, JobMetadataFilter? metadata = null)
    {
        if (metadata is null) return PageOf("jobs", null, after, limit, ReadJob, oldestFirst: false, shown: null);
        // json_each of a job without metadata (NULL) has no rows: it matches no pair, and is a job without metadata, as {} is.
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        if (metadata.WithoutMetadata) conditions.Add("NOT EXISTS (SELECT 1 FROM json_each(jobs.metadata))");
        foreach (var (key, value) in metadata.Pairs)
        {
            int i = parameters.Count / 2;
            conditions.Add($"EXISTS (SELECT 1 FROM json_each(jobs.metadata) WHERE key = $key{i} AND value = $value{i})");
            parameters.Add(($"$key{i}", key));
            parameters.Add(($"$value{i}", value));
        }
        return PageOf("jobs", null, after, limit, ReadJob, oldestFirst: false,
            shown: conditions.Count == 0 ? null : string.Join(" AND ", conditions), [.. parameters]);
    }

    /// <summary>
    /// Jobs the queue starts or runs, in the queue's order: running ones first (after a restart, those the stop
    /// interrupted, which say "running" and resume before anything newer starts), then queued ones, each oldest first.
    /// </summary>
    public List<JobRecord> ActiveJobs() => [.. JobsIn(JobStatus.Active).OrderBy(job => job.Status == JobStatus.Running ? 0 : 1)];

    /// <summary>Jobs that may still train, paused ones included: what holds a file or a starting model in use.</summary>
    public List<JobRecord> UnfinishedJobs() => JobsIn(JobStatus.Unfinished);

    // The statuses are this code's constants, never input, so they are written into the SQL as literals.
    private List<JobRecord> JobsIn(IEnumerable<string> statuses) =>
        _db.Query($"SELECT * FROM jobs WHERE status IN ({string.Join(", ", statuses.Select(s => $"'{s}'"))}) ORDER BY seq", ReadJob);

    /// <summary>Succeeded jobs whose model has not been deleted.</summary>
    public List<JobRecord> JobsWithModels() =>
        _db.Query($"SELECT * FROM jobs WHERE status = '{JobStatus.Succeeded}' AND model_deleted = 0 ORDER BY seq", ReadJob);

    private static JobRecord ReadJob(SqliteDataReader r)
    {
        string? Text(string column) => r.IsDBNull(r.GetOrdinal(column)) ? null : r.GetString(r.GetOrdinal(column));
        long? Number(string column) => r.IsDBNull(r.GetOrdinal(column)) ? null : r.GetInt64(r.GetOrdinal(column));
        var metadata = Text("metadata");
        var code = Text("error_code");
        return new JobRecord
        {
            Id = Text("id")!,
            CreatedAt = Number("created_at")!.Value,
            Model = Text("model")!,
            TrainingFile = Text("training_file")!,
            ValidationFile = Text("validation_file"),
            Suffix = Text("suffix"),
            Seed = (int)Number("seed")!.Value,
            Method = MethodType.TryParse(Text("method")) ?? throw new InvalidDataException($"job {Text("id")}: unknown method '{Text("method")}' in the store"),
            NEpochs = (int)Number("n_epochs")!.Value,
            BatchSize = (int)Number("batch_size")!.Value,
            LearningRateMultiplier = r.GetDouble(r.GetOrdinal("learning_rate_multiplier")),
            PairRounds = Number("pair_rounds") is long rounds ? (int)rounds : null,
            HyperparametersUnderMethod = Number("hyperparameters_under_method") == 1,
            Metadata = metadata is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(metadata),
            Status = Text("status")!,
            FineTunedModel = Text("fine_tuned_model"),
            FinishedAt = Number("finished_at"),
            TrainedTokens = Number("trained_tokens"),
            Error = code is null ? null : new JobError(code, Text("error_message") ?? "", Text("error_param")),
            ResultFiles = JsonSerializer.Deserialize<List<string>>(Text("result_files") ?? "[]") ?? [],
            EstimatedFinish = Number("estimated_finish"),
            ModelDeleted = Number("model_deleted") == 1,
        };
    }

    // ---- events and checkpoints

    public JobEvent AddEvent(string jobId, string level, string message, string type = "message", IReadOnlyDictionary<string, object?>? data = null)
    {
        var record = NewEvent(level, message, type, data);
        _db.ExecuteTogether(EventStatement(jobId, record));
        return record;
    }

    private static JobEvent NewEvent(string level, string message, string type, IReadOnlyDictionary<string, object?>? data) =>
        new(NewId("ftevent-"), Now(), level, message, type, data is null ? null : JsonSerializer.Serialize(data));

    private static Statement EventStatement(string jobId, JobEvent record) => new(
        "INSERT INTO events (id, job_id, created_at, level, message, type, data) VALUES ($id, $job, $created, $level, $message, $type, $data)",
        ("$id", record.Id), ("$job", jobId), ("$created", record.CreatedAt), ("$level", record.Level), ("$message", record.Message),
        ("$type", record.Type), ("$data", record.DataJson));

    public Page<JobEvent> ListEvents(string jobId, string? after, int limit) =>
        PageOf("events", "job_id = $job", after, limit, r => new JobEvent(r.GetString(r.GetOrdinal("id")), r.GetInt64(r.GetOrdinal("created_at")),
            r.GetString(r.GetOrdinal("level")), r.GetString(r.GetOrdinal("message")), r.GetString(r.GetOrdinal("type")),
            r.IsDBNull(r.GetOrdinal("data")) ? null : r.GetString(r.GetOrdinal("data"))), oldestFirst: false, shown: "forgotten = 0", ("$job", jobId));

    public void AddCheckpoint(string jobId, JobCheckpoint checkpoint) => _db.Execute(
        "INSERT INTO checkpoints (id, job_id, created_at, step_number, model_checkpoint, metrics) VALUES ($id, $job, $created, $step, $model, $metrics)",
        ("$id", checkpoint.Id), ("$job", jobId), ("$created", checkpoint.CreatedAt), ("$step", checkpoint.StepNumber),
        ("$model", checkpoint.ModelCheckpoint), ("$metrics", JsonSerializer.Serialize(checkpoint.Metrics)));

    public Page<JobCheckpoint> ListCheckpoints(string jobId, string? after, int limit) =>
        PageOf("checkpoints", "job_id = $job", after, limit, r => new JobCheckpoint(r.GetString(r.GetOrdinal("id")),
            r.GetInt64(r.GetOrdinal("created_at")), r.GetInt64(r.GetOrdinal("step_number")), r.GetString(r.GetOrdinal("model_checkpoint")),
            JsonSerializer.Deserialize<Dictionary<string, double>>(r.GetString(r.GetOrdinal("metrics")))!), oldestFirst: false, shown: null, ("$job", jobId));

    /// <summary>Whether job <paramref name="jobId"/> lists a checkpoint whose <c>fine_tuned_model_checkpoint</c> is <paramref name="modelCheckpoint"/>.</summary>
    public bool HasCheckpoint(string jobId, string modelCheckpoint) =>
        _db.Query("SELECT 1 FROM checkpoints WHERE job_id = $job AND model_checkpoint = $model LIMIT 1", _ => true,
            ("$job", jobId), ("$model", modelCheckpoint)).Count > 0;

    /// <summary>
    /// Forgets a job's step metrics and checkpoint objects after <paramref name="step"/>, in one transaction, and returns
    /// the last step they reported (null when there were none). A process killed outright leaves them ahead of the
    /// checkpoint on disk; the resumed run trains those steps again and reports them anew, so each is listed once. The
    /// metrics events stay, unlisted, so that a client paging with one's id goes on from where it stood.
    /// </summary>
    public long? ForgetStepsAfter(string jobId, long step)
    {
        const string MetricsAfter = "job_id = $job AND type = 'metrics' AND forgotten = 0 AND json_extract(data, '$.step') > $step";
        long? last = _db.Query(
            $"SELECT MAX(s) FROM (SELECT MAX(step_number) AS s FROM checkpoints WHERE job_id = $job AND step_number > $step UNION ALL SELECT MAX(json_extract(data, '$.step')) FROM events WHERE {MetricsAfter})",
            r => r.IsDBNull(0) ? (long?)null : r.GetInt64(0), ("$job", jobId), ("$step", step)).Single();
        if (last is null) return null;
        _db.ExecuteTogether(
            new Statement("DELETE FROM checkpoints WHERE job_id = $job AND step_number > $step", ("$job", jobId), ("$step", step)),
            new Statement($"UPDATE events SET forgotten = 1 WHERE {MetricsAfter}", ("$job", jobId), ("$step", step)));
        return last;
    }
}
