using Microsoft.Data.Sqlite;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// The service's SQLite database (<c>ortagent.db</c> in the store directory), brought to the newest schema on open.
/// The schema version lives in SQLite's <c>user_version</c>; each migration runs once, in its own transaction, so a
/// store written by an older OrtAgent is upgraded in place and one written by a newer OrtAgent is refused, not damaged.
/// Every operation opens its own pooled connection: connections are not thread-safe, and requests and the training
/// thread write concurrently (WAL mode lets readers proceed while one writes).
/// </summary>
internal sealed class StoreDatabase
{
    public const string FileName = "ortagent.db";

    /// <summary>Index i upgrades a store from version i to version i + 1. Append; never edit a released entry.</summary>
    private static readonly string[] Migrations =
    [
        """
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
        """,
        // A deleted fine-tuned model keeps its job; the job remembers the model is gone.
        "ALTER TABLE jobs ADD COLUMN model_deleted INTEGER NOT NULL DEFAULT 0;",
        // The training method, as the API names it; jobs made before it trained by standard fine-tuning. Pair rounds are contrastive jobs' only.
        """
        ALTER TABLE jobs ADD COLUMN method TEXT NOT NULL DEFAULT 'supervised';
        ALTER TABLE jobs ADD COLUMN pair_rounds INTEGER;
        """,
        // Events a resumed job trains again are kept, unlisted, rather than deleted: a client paging with one's id as its
        // cursor goes on from where it stood instead of being refused an unknown cursor.
        "ALTER TABLE events ADD COLUMN forgotten INTEGER NOT NULL DEFAULT 0;",
        // Where the creation body gave the hyperparameters (1: under method.TYPE.hyperparameters), so a job that fails
        // later names them where its client wrote them; jobs made before it are named at the top level, as they were.
        "ALTER TABLE jobs ADD COLUMN hyperparameters_under_method INTEGER NOT NULL DEFAULT 0;",
    ];

    private readonly string _connectionString;

    private StoreDatabase(string path) => _connectionString = ConnectionString(path);

    private static string ConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();

    /// <summary>
    /// Closes the pooled connections to the database in <paramref name="directory"/>, before a failed open deletes the
    /// database it made: a pooled connection keeps the file open, deleted or not, and is handed to the next open of the
    /// same path, which then reads and writes a file no longer on disk.
    /// </summary>
    public static void ClosePooledConnections(string directory)
    {
        using var connection = new SqliteConnection(ConnectionString(Path.Combine(directory, FileName)));
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>The schema version this build writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>Whether the open ran a migration: an earlier store upgraded, or a new (or empty) database given its schema.</summary>
    public bool Migrated { get; private set; }

    /// <summary>Opens (creating if needed) the database in <paramref name="directory"/> and migrates it.</summary>
    /// <exception cref="UserInputException">The file is not a database, or a newer OrtAgent wrote it.</exception>
    public static StoreDatabase Open(string directory)
    {
        var database = new StoreDatabase(Path.Combine(directory, FileName));
        try
        {
            database.Migrate(directory);
        }
        catch (SqliteException ex)
        {
            throw Refusal(directory, ex);
        }
        return database;
    }

    // A full disk is not a damaged database: the CLI says it as such (exit 1, not 2). SQLite's message names no file, so
    // the database's path is put in front of it.
    private static Exception Refusal(string directory, SqliteException ex) => StorageFull.Is(ex)
        ? new SqliteException($"{Path.Combine(directory, FileName)}: {ex.Message}", ex.SqliteErrorCode, ex.SqliteExtendedErrorCode)
        : new UserInputException($"--store {directory}: {FileName} cannot be opened as a database: {ex.Message}", ex);

    /// <summary>
    /// Checkpoints the write-ahead log a killed process left beside the database in <paramref name="directory"/> into
    /// the database file, and closes it, which removes the log and its shared-memory index, as SQLite does when the
    /// last connection closes: the database is then one file, whole by itself. Nothing is done where no log is there.
    /// </summary>
    /// <returns>False when the log could not be checkpointed whole (another program has the database open).</returns>
    /// <exception cref="UserInputException">The file is not a database.</exception>
    public static bool CheckpointLeftLog(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path + "-wal") && !File.Exists(path + "-shm")) return true;
        bool busy;
        try
        {
            // Not pooled: the close is what removes the log and the index, where a pooled connection would keep them.
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using var reader = checkpoint.ExecuteReader();
            busy = reader.Read() && reader.GetInt64(0) != 0;
        }
        catch (SqliteException ex)
        {
            throw Refusal(directory, ex);
        }
        return !busy && !(new FileInfo(path + "-wal") is { Exists: true, Length: > 0 });
    }

    private void Migrate(string directory)
    {
        using var connection = Connect();
        // Looked at before anything is written: a newer OrtAgent's store is refused as that build left it.
        long version = Scalar(connection, "PRAGMA user_version;") is long v ? v : 0;
        if (version > Migrations.Length)
            throw new UserInputException($"--store {directory}: {FileName} has schema version {version}, written by a newer OrtAgent; "
                + $"this build knows versions up to {Migrations.Length}: use that newer build for this store, or give another --store");
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }
        Migrated = version < Migrations.Length;
        for (int i = (int)version; i < Migrations.Length; i++)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Migrations[i] + $"\nPRAGMA user_version = {i + 1};";
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    /// <summary>
    /// Copies the write-ahead log into the database and truncates it to nothing. SQLite only checkpoints by itself once
    /// the log holds 1000 pages, and then reuses the log's file rather than shrinking it, so a store's log grows with
    /// every write, deletes included, up to about 4 MB; this gives that space back. Not done while another connection
    /// reads the log (a job's event being written): SQLite then checkpoints what it can, and the log keeps its size.
    /// </summary>
    /// <returns>Whether the log was checkpointed whole and truncated.</returns>
    public bool CheckpointLog()
    {
        try
        {
            using var connection = Connect();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using var reader = checkpoint.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6 || StorageFull.Is(ex))
        {
            // SQLITE_BUSY, SQLITE_LOCKED: another connection holds the log. A full disk: the database could not grow to take it.
            return false;
        }
    }

    /// <summary>An open connection; the caller disposes it (returning it to the pool).</summary>
    public SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var timeout = connection.CreateCommand();
        // A writer holding the lock (the training thread recording an event) makes others wait, not fail.
        timeout.CommandText = "PRAGMA busy_timeout = 5000;";
        timeout.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// For tests: asked before every write (<see cref="Execute"/>, <see cref="ExecuteTogether"/>); what it returns is
    /// thrown in place of the write, as SQLite's SQLITE_FULL is when the write-ahead log finds no room. A full disk that a
    /// test cannot make with a small file system is told apart from one a delete has since made room on.
    /// </summary>
    internal Func<Exception?>? WriteFault { get; set; }

    /// <summary>Runs <paramref name="sql"/> with named parameters and returns the rows changed.</summary>
    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        if (WriteFault?.Invoke() is { } fault) throw fault;
        using var connection = Connect();
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs statements in one transaction: other connections see all of them or none, and a kill between two of them
    /// leaves none.
    /// </summary>
    public void ExecuteTogether(params Statement[] statements)
    {
        if (WriteFault?.Invoke() is { } fault) throw fault;
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        foreach (var statement in statements)
        {
            using var command = Command(connection, statement.Sql, statement.Parameters);
            command.Transaction = transaction;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>Runs a query and maps each row.</summary>
    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        using var connection = Connect();
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(map(reader));
        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}

/// <summary>One SQL statement and its named parameters, for <see cref="StoreDatabase.ExecuteTogether"/>.</summary>
internal sealed record Statement(string Sql, params (string Name, object? Value)[] Parameters);
