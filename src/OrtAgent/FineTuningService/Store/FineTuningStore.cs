using System.Text.Json;
using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Api;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Everything the fine-tuning service owns, under one directory: <c>ortagent.db</c> (files, jobs, events,
/// checkpoints), <c>files/</c> (uploaded and result bytes), <c>artifacts/</c> (training graphs and checkpoints of
/// jobs in progress) and <c>models/</c> (exported fine-tuned models, one folder per job).
/// </summary>
/// <remarks>
/// One process at a time runs a store's jobs: <see cref="Open(string, StoreHolder?)"/> claims it (<see cref="LockFileName"/>) until
/// <see cref="Dispose"/>, since two queues over one store would each resume or start the same job into the same artifacts.
/// </remarks>
internal sealed class FineTuningStore : IDisposable
{
    /// <summary>The lock file inside the store that claims it for one process.</summary>
    public const string LockFileName = "ortagent.lock";

    private readonly StoreDatabase _db;
    private readonly ProcessLock _claim;
    // What the open made, for Abandon: the folders, and whether the database is new (the store with it).
    private readonly MadeFolders _made;
    private readonly bool _newDatabase;
    // An earlier store's database before this open migrated it, until the service has started (KeepMigration).
    private PreMigrationCopy? _beforeMigration;
    private int _released;

    private FineTuningStore(string directory, StoreDatabase db, ProcessLock claim, MadeFolders made, bool newDatabase, PreMigrationCopy? beforeMigration)
    {
        Directory = directory;
        _db = db;
        _claim = claim;
        _made = made;
        _newDatabase = newDatabase;
        _beforeMigration = beforeMigration;
    }

    public string Directory { get; }

    // The store's own folders: where its stored files, job artifacts, fine-tuned models and job records go.
    private const string FilesFolder = "files", ArtifactsFolder = "artifacts", ModelsFolder = "models", JobsFolder = "jobs";

    public string FilesDirectory => Path.Combine(Directory, FilesFolder);

    public string ArtifactsDirectory => Path.Combine(Directory, ArtifactsFolder);

    public string ModelsDirectory => Path.Combine(Directory, ModelsFolder);

    public string JobDirectory(string jobId) => Path.Combine(JobsDirectory, jobId);

    private string JobsDirectory => Path.Combine(Directory, JobsFolder);

    /// <summary>A job's training graphs and checkpoints while it may still train (a paused job's included).</summary>
    public string JobArtifactsDirectory(string jobId) => Path.Combine(ArtifactsDirectory, jobId);

    public string ModelDirectory(string jobId) => Path.Combine(ModelsDirectory, jobId);

    /// <summary>
    /// Opens (creating, or migrating) the store, claims it for this process until disposed, and removes what a killed
    /// process left unlisted (<see cref="RemoveLeftovers"/>).
    /// </summary>
    /// <exception cref="UserInputException">
    /// The directory cannot be created, another process has the store open, its database cannot be used, or a file
    /// has the name of its files or models folder. A failed open leaves the store as it found it.
    /// </exception>
    /// <param name="directory">The store directory.</param>
    /// <param name="holder">What this process is, recorded for a start refused the store to name (<see cref="StoreHolder"/>); null for none.</param>
    public static FineTuningStore Open(string directory, StoreHolder? holder = null) => Open(directory, beforeClaim: null, afterRelease: null, holder);

    /// <summary>As <see cref="Open(string, StoreHolder?)"/>, telling the caller the moments that matter to what a failed open removes.</summary>
    /// <param name="directory">The store directory.</param>
    /// <param name="beforeClaim">Run just before the claim is asked for, where another process may still make the store.</param>
    /// <param name="afterRelease">Run when a failed open has given up its claim, before it removes the store directory it made.</param>
    /// <param name="holder">What this process is, recorded for a start refused the store to name.</param>
    /// <param name="afterHolderRecorded">Run once the claim is held and <paramref name="holder"/> recorded, before the store's folders and database are looked at.</param>
    internal static FineTuningStore Open(string directory, Action? beforeClaim, Action? afterRelease, StoreHolder? holder = null, Action? afterHolderRecorded = null)
    {
        directory = Path.GetFullPath(directory);
        RequireOwnFolder(directory);
        if (File.Exists(directory))
            throw new UserInputException($"--store {directory}: is a file; a store is a directory of its own (new, empty, or an earlier store)");
        if (FileOnPath.Above(directory) is { } fileAbove)
            throw new UserInputException($"--store {directory}: '{fileAbove}' is a file, not a directory");
        // What this open makes, removed again when it fails: a start refused for a database that cannot be used left
        // empty files/ and models/ behind, made before the database was looked at.
        var made = new MadeFolders(directory);
        string database = Path.Combine(directory, StoreDatabase.FileName);
        bool newDatabase = false;
        ProcessLock? claim = null;
        PreMigrationCopy? beforeMigration = null;
        try
        {
            made.Create(directory, ownerOnly: true);
            beforeClaim?.Invoke();
            claim = ProcessLock.TryAcquire(Path.Combine(directory, LockFileName), claimed: $"--store {directory}") ?? throw StoreHolder.Refusal(directory);
            // At once: a start refused while this open migrates the database or removes leftovers read a killed holder's record.
            StoreHolder.Record(directory, holder);
            afterHolderRecorded?.Invoke();
            // The store's folders before its database: an earlier store's database is migrated when opened, and the build
            // before cannot open it again, so a store refused for a file named files/ was no longer the previous build's.
            made.Create(Path.Combine(directory, FilesFolder));
            made.Create(Path.Combine(directory, ModelsFolder));
            made.RefuseFileAt(Path.Combine(directory, ArtifactsFolder));
            made.RefuseFileAt(Path.Combine(directory, JobsFolder));
            // Only under the claim: looked at before it, a database another process made and left meanwhile was this
            // open's, and deleted with its jobs when the open failed.
            newDatabase = !File.Exists(database);
            beforeMigration = PreMigrationCopy.TakeIfMigrating(directory, StoreDatabase.CurrentVersion);
            var db = StoreDatabase.Open(directory);
            if (!db.Migrated)
            {
                beforeMigration?.Discard();
                beforeMigration = null;
            }
            var store = new FineTuningStore(directory, db, claim, made, newDatabase, beforeMigration);
            store.RemoveLeftovers();
            return store;
        }
        catch
        {
            // The database and the folders in the store are this open's only while it holds the claim: refused it,
            // another process may have just made them.
            if (claim is not null)
            {
                // The pooled connection closed first: kept, it held a deleted new database open, and the next open of this
                // store was handed it and wrote its jobs to a file no longer on disk. An earlier store's -wal and -shm
                // are checkpointed away with it, as they were before this open.
                StoreDatabase.ClosePooledConnections(directory);
                try
                {
                    // A migration that ran before the open failed (one of several, or the leftovers' removal after them).
                    beforeMigration?.Restore();
                }
                finally
                {
                    if (newDatabase)
                        foreach (var file in new[] { database, database + "-wal", database + "-shm" }) BestEffortDelete.File(file);
                    made.RemoveInsideStore();
                    StoreHolder.Forget(directory);
                    claim.Dispose();
                }
            }
            afterRelease?.Invoke();
            made.RemoveStoreAndAbove();
            throw;
        }
    }

    /// <summary>
    /// A store is a folder of its own: new, empty, or an earlier store (it has the database). Opened in a model's or a
    /// project's folder, it spread its files, models and database among theirs, and a later train --output there
    /// refused the folder as holding foreign files.
    /// </summary>
    private static void RequireOwnFolder(string directory)
    {
        if (!System.IO.Directory.Exists(directory) || File.Exists(Path.Combine(directory, StoreDatabase.FileName))) return;
        string[] made = [FilesFolder, ModelsFolder, ArtifactsFolder, JobsFolder, LockFileName, StoreHolder.FileName];
        // A disk's own lost+found and hidden files (.DS_Store, .git) are not another project's work.
        var foreign = System.IO.Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName)
            .Where(name => !made.Contains(name, StringComparer.Ordinal) && name is not "lost+found" && !name!.StartsWith('.'))
            .Order(StringComparer.Ordinal).ToList();
        if (foreign.Count > 0)
            throw new UserInputException($"--store {directory}: holds files the fine-tuning service did not make ({string.Join(", ", foreign.Take(3).Select(n => $"'{n}'"))}"
                + $"{(foreign.Count > 3 ? $" and {foreign.Count - 3} more" : "")}) and no {StoreDatabase.FileName}; a store needs a folder of its own (new, empty, or an earlier store)");
    }

    /// <summary>
    /// Removes what a process killed mid-operation left behind, unlisted: stored bytes whose row is gone (a deletion
    /// removes the row first, so a file is never listed without its bytes), bytes whose row was not yet added, upload
    /// temporaries (<c>.partial</c>), the folders of deleted models, and the training artifacts of jobs that ended (a
    /// kill after the job's record said so, before they were deleted). Only names the store makes (<c>file-…</c>, a
    /// job's model and artifacts folders) are touched, and only under the claim, when no other process can be writing them.
    /// </summary>
    private void RemoveLeftovers()
    {
        var listed = _db.Query("SELECT path FROM files", r => Path.GetFileName(r.GetString(0))).ToHashSet(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.EnumerateFiles(FilesDirectory, "file-*"))
        {
            if (!listed.Contains(Path.GetFileName(file))) BestEffortDelete.File(file);
        }
        foreach (var jobId in _db.Query("SELECT id FROM jobs WHERE model_deleted = 1", r => r.GetString(0)))
        {
            BestEffortDelete.Directory(ModelDirectory(jobId), recursive: true);
        }
        if (!System.IO.Directory.Exists(ArtifactsDirectory)) return;
        var unfinished = UnfinishedJobs().Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in System.IO.Directory.EnumerateDirectories(ArtifactsDirectory, "ftjob-*"))
        {
            if (!unfinished.Contains(Path.GetFileName(folder))) BestEffortDelete.Directory(folder, recursive: true);
        }
    }

    /// <summary>
    /// Keeps the migration this open made of an earlier store, once the service has started and can no longer fail for
    /// a reason of its own: until then a failed start puts the earlier database back (<see cref="Abandon"/>).
    /// </summary>
    public void KeepMigration() => Interlocked.Exchange(ref _beforeMigration, null)?.Discard();

    /// <summary>Releases the claim, keeping any migration; the database's connections are per call and need no closing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        KeepMigration();
        StoreHolder.Forget(Directory);
        _claim.Dispose();
    }

    /// <summary>
    /// Closes a store whose service failed to start: a store this open created (its database is new) is removed again,
    /// database and folders, while the claim is held, so that a refused start leaves no half-made store behind; an
    /// earlier store this open migrated gets its database back as it was, so the build before can still open it.
    /// </summary>
    public void Abandon()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        StoreHolder.Forget(Directory);
        try
        {
            if (_newDatabase)
            {
                StoreDatabase.ClosePooledConnections(Directory);
                string database = Path.Combine(Directory, StoreDatabase.FileName);
                foreach (var file in new[] { database, database + "-wal", database + "-shm" }) BestEffortDelete.File(file);
                _made.RemoveInsideStore();
                // Made later, when first needed (the queue's start may have): empty, they are this start's too.
                BestEffortDelete.Directory(ArtifactsDirectory);
                BestEffortDelete.Directory(JobsDirectory);
            }
            // Under the claim, before another process may open the store and migrate it for itself.
            else Interlocked.Exchange(ref _beforeMigration, null)?.Restore();
        }
        finally
        {
            _claim.Dispose();
        }
        if (_newDatabase) _made.RemoveStoreAndAbove();
    }

    /// <summary>A new id with OpenAI's prefix convention (<c>file-</c>, <c>ftjob-</c>, ...).</summary>
    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    // ---- files

    /// <summary>
    /// Lists a file whose bytes are in <see cref="FilesDirectory"/>. The row keeps the bytes' name, not their full path,
    /// so a store moved or copied elsewhere (a bigger disk, a backup restored) still finds its files.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not directly in <see cref="FilesDirectory"/>.</exception>
    public void AddFile(StoredFile file)
    {
        if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(file.Path)), FilesDirectory, StringComparison.Ordinal))
            throw new ArgumentException($"{file.Path} is not in the store's files directory {FilesDirectory}", nameof(file));
        _db.Execute(
            "INSERT INTO files (id, bytes, created_at, filename, purpose, status, path) VALUES ($id, $bytes, $created, $name, $purpose, $status, $path)",
            ("$id", file.Id), ("$bytes", file.Bytes), ("$created", file.CreatedAt), ("$name", file.Filename), ("$purpose", file.Purpose),
            ("$status", file.Status), ("$path", Path.GetFileName(file.Path)));
    }

    public StoredFile? GetFile(string id) => _db.Query("SELECT * FROM files WHERE id = $id", ReadFile, ("$id", id)).SingleOrDefault();

    public Page<StoredFile> ListFiles(string? purpose, string? after, int limit, bool oldestFirst = false) =>
        PageOf("files", purpose is null ? null : "purpose = $purpose", after, limit, ReadFile, oldestFirst, shown: null, ("$purpose", purpose));

    /// <summary>The files of <paramref name="purpose"/> named <paramref name="filename"/>, oldest first.</summary>
    public IReadOnlyList<StoredFile> FilesNamed(string filename, string purpose) =>
        _db.Query("SELECT * FROM files WHERE filename = $filename AND purpose = $purpose ORDER BY seq", ReadFile, ("$filename", filename), ("$purpose", purpose)).ToList();

    public bool DeleteFile(string id) => _db.Execute("DELETE FROM files WHERE id = $id", ("$id", id)) > 0;

    // Stores written before 2026-12-04 kept the full path; its file name alone finds the bytes wherever the store now is.
    private StoredFile ReadFile(SqliteDataReader r) => new(
        r.GetString(r.GetOrdinal("id")), r.GetInt64(r.GetOrdinal("bytes")), r.GetInt64(r.GetOrdinal("created_at")),
        r.GetString(r.GetOrdinal("filename")), r.GetString(r.GetOrdinal("purpose")), r.GetString(r.GetOrdinal("status")),
        Path.Combine(FilesDirectory, Path.GetFileName(r.GetString(r.GetOrdinal("path")))));

    // ---- jobs

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

    private readonly object _references = new();

    /// <summary>
    /// Runs <paramref name="work"/> while no other caller of this method runs: for a check of what refers to a file or a
    /// model and the write it allows (a job created on files, a file or model deleted when nothing unfinished uses it),
    /// which would otherwise interleave, and a job be queued on a file deleted between its checks and its insert.
    /// </summary>
    public void WithReferencesHeld(Action work)
    {
        lock (_references) work();
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

    /// <summary>
    /// One page as OpenAI lists: newest first, the rows older than <paramref name="after"/> (an id in the same table),
    /// or with <paramref name="oldestFirst"/> oldest first, the rows newer than it; at most <paramref name="limit"/>,
    /// and whether more remain. An unknown cursor matches no row, so its page is empty and says so
    /// (<see cref="Page{T}.UnknownCursor"/>): an empty page after the list's last row is its end, one after a cursor
    /// that names no row of the list (of its job, of its purpose) is a mistake. A row of the list that is not
    /// <paramref name="shown"/> (a forgotten event) is no page's, but is a cursor still: the page goes on from where it stood.
    /// </summary>
    private Page<T> PageOf<T>(string table, string? where, string? after, int limit, Func<SqliteDataReader, T> map, bool oldestFirst,
        string? shown, params (string, object?)[] parameters)
    {
        var conditions = new List<string>();
        if (where is not null) conditions.Add(where);
        if (shown is not null) conditions.Add(shown);
        if (after is not null)
            conditions.Add(oldestFirst
                ? $"seq > COALESCE((SELECT seq FROM {table} WHERE id = $after), {long.MaxValue})"
                : $"seq < COALESCE((SELECT seq FROM {table} WHERE id = $after), -1)");
        string sql = $"SELECT * FROM {table}{(conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : "")} ORDER BY seq {(oldestFirst ? "ASC" : "DESC")} LIMIT $limit";
        var rows = _db.Query(sql, map, [.. parameters, ("$after", after), ("$limit", limit + 1)]);
        bool more = rows.Count > limit;
        bool unknownCursor = after is not null && rows.Count == 0
            && _db.Query($"SELECT 1 FROM {table} WHERE id = $after{(where is null ? "" : " AND " + where)} LIMIT 1", _ => true, [.. parameters, ("$after", after)]).Count == 0;
        return new Page<T>(more ? rows[..limit] : rows, more) { UnknownCursor = unknownCursor ? after : null };
    }
}
