using Microsoft.Data.Sqlite;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Everything the fine-tuning service owns, under one directory: <c>ortagent.db</c> (files, jobs, events,
/// checkpoints), <c>files/</c> (uploaded and result bytes), <c>artifacts/</c> (training graphs and checkpoints of
/// jobs in progress) and <c>models/</c> (exported fine-tuned models, one folder per job).
/// </summary>
/// <remarks>
/// One process at a time runs a store's jobs: <see cref="Open(string, StoreHolder?, Action{FineTuningStore}?)"/> claims it (<see cref="LockFileName"/>) until
/// <see cref="Dispose"/>, since two queues over one store would each resume or start the same job into the same artifacts.
/// This file opens, claims, migrates and gives up the store; its records are read and written in
/// <c>FineTuningStore.Files.cs</c> (files) and <c>FineTuningStore.Jobs.cs</c> (jobs, their events and checkpoints).
/// </remarks>
internal sealed partial class FineTuningStore : IDisposable
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
    // What a killed process left, found at the open and removed once the service has started (RemoveLeftovers).
    private List<string>? _leftovers;
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

    /// <inheritdoc cref="StoreDatabase.CheckpointLog"/>
    public bool CheckpointLog() => _db.CheckpointLog();

    /// <summary>The database's write-ahead log, which SQLite keeps beside it while the store is open.</summary>
    public string DatabaseLogPath => Path.Combine(Directory, StoreDatabase.FileName + "-wal");

    /// <inheritdoc cref="StoreDatabase.WriteFault"/>
    internal Func<Exception?>? WriteFault { get => _db.WriteFault; set => _db.WriteFault = value; }

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
    /// Opens (creating, or migrating) the store, claims it for this process until disposed, and finds what a killed
    /// process left unlisted, for <see cref="RemoveLeftovers"/> to remove once the service has started.
    /// </summary>
    /// <exception cref="UserInputException">
    /// The directory cannot be created, another process has the store or its database open, its database cannot be used, a file has the
    /// name of its files or models folder, or <paramref name="check"/> refused it. A failed open leaves the store as it found it.
    /// </exception>
    /// <param name="directory">The store directory.</param>
    /// <param name="holder">What this process is, recorded for a start refused the store to name (<see cref="StoreHolder"/>); null for none.</param>
    /// <param name="check">
    /// Looks at the store once its database is open, before the open changes anything else in it (the leftovers): what it
    /// throws refuses the open as a store that cannot be used is refused, the store left as it was found.
    /// </param>
    public static FineTuningStore Open(string directory, StoreHolder? holder = null, Action<FineTuningStore>? check = null) =>
        Open(directory, beforeClaim: null, afterRelease: null, holder, check: check);

    /// <summary>As <see cref="Open(string, StoreHolder?, Action{FineTuningStore}?)"/>, telling the caller the moments that matter to what a failed open removes.</summary>
    /// <param name="directory">The store directory.</param>
    /// <param name="beforeClaim">Run just before the claim is asked for, where another process may still make the store.</param>
    /// <param name="afterRelease">Run when a failed open has given up its claim, before it removes the store directory it made.</param>
    /// <param name="holder">What this process is, recorded for a start refused the store to name.</param>
    /// <param name="afterHolderRecorded">Run once the claim is held and <paramref name="holder"/> recorded, before the store's folders and database are looked at.</param>
    /// <param name="check">As in <see cref="Open(string, StoreHolder?, Action{FineTuningStore}?)"/>.</param>
    internal static FineTuningStore Open(string directory, Action? beforeClaim, Action? afterRelease, StoreHolder? holder = null, Action? afterHolderRecorded = null,
        Action<FineTuningStore>? check = null)
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
            // Under the claim, so that a holder of this build is refused by it, naming itself: what is left takes no claim.
            RefuseDatabaseOpenElsewhere(directory, database);
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
            check?.Invoke(store);
            store._leftovers = store.FindLeftovers();
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

    /// <summary>The first build that claims its store; one before it runs a store's jobs with no <see cref="LockFileName"/>.</summary>
    private const string FirstClaimingBuild = "2026-12-04";

    /// <summary>
    /// Refuses a store whose database another process has open (<see cref="SqliteLockProbe"/>), before anything is
    /// migrated or written: an OrtAgent from before <see cref="FirstClaimingBuild"/> running the store's jobs without a
    /// claim, whose database this build migrated under it and whose running job both then trained and finished, or a
    /// SQLite tool. Another process of this build holds the claim and was refused by it before this is asked.
    /// </summary>
    private static void RefuseDatabaseOpenElsewhere(string directory, string database)
    {
        if (SqliteLockProbe.FindHolder(database) is not { } holder) return;
        string process = holder.ProcessId is { } id ? $"another process (pid {id})" : "another process";
        throw new UserInputException($"--store {directory}: {process} has its database open: an OrtAgent older than {FirstClaimingBuild} "
            + "(which takes no lock) or a SQLite tool; stop it, then start again");
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
        // A disk's own lost+found and Finder's .DS_Store are no one's work; other hidden entries are: a home folder's
        // dotfiles, a repository's .git, an .env of secrets, among which the store's folders and database were spread.
        var foreign = System.IO.Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName)
            .Where(name => !made.Contains(name, StringComparer.Ordinal) && name is not ("lost+found" or ".DS_Store"))
            .Order(StringComparer.Ordinal).ToList();
        if (foreign.Count > 0)
            throw new UserInputException($"--store {directory}: holds files the fine-tuning service did not make ({string.Join(", ", foreign.Take(3).Select(n => $"'{n}'"))}"
                + $"{(foreign.Count > 3 ? $" and {foreign.Count - 3} more" : "")}) and no {StoreDatabase.FileName}; a store needs a folder of its own (new, empty, or an earlier store)");
    }

    /// <summary>
    /// What a process killed mid-operation left behind, unlisted: stored bytes whose row is gone (a deletion removes the
    /// row first, so a file is never listed without its bytes), bytes whose row was not yet added, upload temporaries
    /// (<c>.partial</c>), the folders of deleted models, and the training artifacts of jobs that ended (a kill after the
    /// job's record said so, before they were deleted). Only names the store makes (<c>file-…</c>, a job's model and
    /// artifacts folders), found under the claim, when no other process can be writing them.
    /// </summary>
    /// <remarks>
    /// Found here and removed later, by name: nothing this process does meanwhile can make one of them the store's again
    /// (a new file has a new id, a deleted model stays deleted, an ended job never trains again), so requests answered
    /// between the bind and <see cref="RemoveLeftovers"/> cannot lose an upload to it.
    /// </remarks>
    private List<string> FindLeftovers()
    {
        var leftovers = new List<string>();
        var listed = _db.Query("SELECT path FROM files", r => Path.GetFileName(r.GetString(0))).ToHashSet(StringComparer.Ordinal);
        leftovers.AddRange(System.IO.Directory.EnumerateFiles(FilesDirectory, "file-*").Where(file => !listed.Contains(Path.GetFileName(file))));
        leftovers.AddRange(_db.Query("SELECT id FROM jobs WHERE model_deleted = 1", r => ModelDirectory(r.GetString(0))).Where(System.IO.Directory.Exists));
        if (!System.IO.Directory.Exists(ArtifactsDirectory)) return leftovers;
        var unfinished = UnfinishedJobs().Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        leftovers.AddRange(System.IO.Directory.EnumerateDirectories(ArtifactsDirectory, "ftjob-*").Where(folder => !unfinished.Contains(Path.GetFileName(folder))));
        return leftovers;
    }

    /// <summary>
    /// Removes what a killed process left (<see cref="FindLeftovers"/>), once the service has started: removed at the open,
    /// a start refused after it (an address that cannot be bound) had still changed the store it was to leave as it found it.
    /// </summary>
    public void RemoveLeftovers()
    {
        foreach (var leftover in Interlocked.Exchange(ref _leftovers, null) ?? [])
        {
            if (System.IO.Directory.Exists(leftover)) BestEffortDelete.Directory(leftover, recursive: true);
            else BestEffortDelete.File(leftover);
        }
    }

    /// <summary>
    /// The room the store keeps for recording deletes on a full disk (<see cref="FullDiskDelete"/>): 1 MiB of zeros,
    /// given up when a delete's record finds no room even with what it deletes gone (a small upload's 4 KB leave SQLite's
    /// write-ahead log none), and kept again at the next start. Not counted under the store's size limit (<see cref="StoreUsage"/>).
    /// </summary>
    public const string RoomReserveFile = "room.reserve";

    /// <summary>The size of <see cref="RoomReserveFile"/>: many times what one delete's record appends to the log.</summary>
    public const int RoomReserveBytes = 1 << 20;

    /// <summary>Where <see cref="RoomReserveFile"/> is kept.</summary>
    public string RoomReservePath => Path.Combine(Directory, RoomReserveFile);

    /// <summary>
    /// Writes the room reserve if it is missing or cut short, once the service has started (a start refused earlier
    /// leaves the store as it found it); where the disk has no room for it, there is none, and nothing is left half-written.
    /// </summary>
    public void KeepRoomReserve()
    {
        var path = RoomReservePath;
        if (File.Exists(path) && new FileInfo(path).Length == RoomReserveBytes) return;
        try
        {
            // Zeros written, not a sparse length: the blocks must be the disk's, to be given back.
            File.WriteAllBytes(path, new byte[RoomReserveBytes]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            BestEffortDelete.File(path);
        }
    }

    /// <summary>Deletes the room reserve, giving its space to a delete's record; false when there was none.</summary>
    public bool GiveUpRoomReserve()
    {
        if (!File.Exists(RoomReservePath)) return false;
        File.Delete(RoomReservePath);
        return true;
    }

    /// <summary>
    /// Keeps the migration this open made of an earlier store, once the service has started and can no longer fail for
    /// a reason of its own: until then a failed start puts the earlier database back (<see cref="Abandon"/>).
    /// </summary>
    public void KeepMigration() => Interlocked.Exchange(ref _beforeMigration, null)?.Discard();

    /// <summary>
    /// Releases the claim, keeping any migration. The database's pooled connections are closed first: kept until this
    /// process ended, their locks made a start on the store in another process just after the claim was released take
    /// this one for a process with the database open and no claim (<see cref="RefuseDatabaseOpenElsewhere"/>).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        KeepMigration();
        StoreHolder.Forget(Directory);
        StoreDatabase.ClosePooledConnections(Directory);
        _claim.Dispose();
    }

    /// <summary>
    /// Closes a store whose service failed to start: a store this open created (its database is new) is removed again,
    /// database and folders, while the claim is held, so that a refused start leaves no half-made store behind; an
    /// earlier store this open migrated gets its database back as it was, so the build before can still open it, and
    /// loses the empty folders the open made in it (a files/ or models/ it lacked).
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
            else
            {
                _made.RemoveInsideStore();
                // Under the claim, before another process may open the store and migrate it for itself.
                Interlocked.Exchange(ref _beforeMigration, null)?.Restore();
            }
        }
        finally
        {
            // As in Dispose: closed before the claim is released, for the next start to find no connection of this process.
            StoreDatabase.ClosePooledConnections(Directory);
            _claim.Dispose();
        }
        if (_newDatabase) _made.RemoveStoreAndAbove();
    }

    /// <summary>A new id with OpenAI's prefix convention (<c>file-</c>, <c>ftjob-</c>, ...).</summary>
    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    // ---- shared by the records of every kind (FineTuningStore.Files.cs, FineTuningStore.Jobs.cs)

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
