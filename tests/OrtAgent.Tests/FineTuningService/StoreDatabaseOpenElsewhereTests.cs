using Microsoft.Data.Sqlite;
using OrtAgent.FineTuningService.Store;
using OrtAgent.Tests.Infrastructure;
using OrtAgent.Tests.Shared;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// A store whose database another process has open without the store's claim (an OrtAgent from before the claim, which
/// ran the store's jobs while this build migrated its database and trained its job too, or a SQLite tool) is refused in
/// one line naming that process, before anything is migrated or written; the store opens once that process lets go.
/// </summary>
public sealed class StoreDatabaseOpenElsewhereTests : IDisposable
{
    private const string WalConnection = "PRAGMA journal_mode = WAL; SELECT count(*) FROM jobs;";

    private readonly TempDirectory _work = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _work.Dispose();
    }

    private static string Refusal(string store, int processId) =>
        $"--store {store}: another process (pid {processId}) has its database open: an OrtAgent older than 2026-12-04 (which takes no lock) "
        + "or a SQLite tool; stop it, then start again";

    [LinuxFact("SQLite's POSIX locks are asked about through Linux's struct flock")]
    public async Task AnEarlierStoreAnotherProcessHasOpenIsRefusedInOneLineUnmigrated()
    {
        string store = _work.Combine("earlier-store");
        FineTuningStoreOpenTests.MakeVersionOneStore(store);
        string database = Path.Combine(store, StoreDatabase.FileName);

        using (var other = await OtherSqliteProcess.OpenAsync(database, WalConnection))
        {
            var before = TreeSnapshot.Take(store);

            var refused = Assert.Throws<UserInputException>(() => FineTuningStore.Open(store));

            Assert.Equal(Refusal(store, other.ProcessId), refused.Message);
            Assert.Equal(before, TreeSnapshot.Take(store));
        }
        Assert.Equal(1, SchemaVersion(database));
        using var opened = FineTuningStore.Open(store);
        Assert.Equal(StoreDatabase.CurrentVersion, SchemaVersion(database));
    }

    /// <summary>A store already of this build's schema too: the other process would run its jobs beside this one's.</summary>
    [LinuxTheory("SQLite's POSIX locks are asked about through Linux's struct flock")]
    [InlineData("serve", "http://127.0.0.1:0")]
    [InlineData("mcp", null)]
    public async Task AStartOnAStoreAnotherProcessHasOpenIsRefusedInOneLine(string command, string? urls)
    {
        string store = _work.Combine("store");
        FineTuningStore.Open(store).Dispose();
        using var other = await OtherSqliteProcess.OpenAsync(Path.Combine(store, StoreDatabase.FileName), WalConnection);
        var before = TreeSnapshot.Take(store);

        var run = await new OrtAgentProcess().RunAsync([command, "--fine-tuning", "--store", store, .. urls is null ? Array.Empty<string>() : ["--urls", urls]], TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: " + Refusal(store, other.ProcessId), Assert.Single(run.ErrorLinesBesideWarnings));
        Assert.Equal(before, TreeSnapshot.Take(store));
    }

    /// <summary>
    /// A stopped store keeps no connection open in its process: one kept until the process ended held SQLite's locks, and
    /// a start in another process just after the stop took it for a process with the database open and no claim.
    /// </summary>
    [LinuxFact("SQLite's POSIX locks are asked about through Linux's struct flock")]
    public async Task AStoppedStoreLeavesNoLockForTheNextStartToFind()
    {
        string store = _work.Combine("store");
        var opened = FineTuningStore.Open(store);
        opened.AddJob(FineTuningStoreTests.Job("ftjob-one"));

        opened.Dispose();

        Assert.Equal(0, await OtherSqliteProcess.LockHolderAsync(Path.Combine(store, StoreDatabase.FileName)));
    }

    /// <summary>A database in rollback-journal mode is held only inside a transaction; one held then is found too.</summary>
    [LinuxFact("SQLite's POSIX locks are asked about through Linux's struct flock")]
    public async Task ATransactionAnotherProcessHoldsInARollbackJournalDatabaseIsFound()
    {
        string database = _work.Combine("rollback.db");
        using (var create = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            create.Open();
            using var command = create.CreateCommand();
            command.CommandText = "CREATE TABLE t (x INTEGER);";
            command.ExecuteNonQuery();
        }

        using (var other = await OtherSqliteProcess.OpenAsync(database, "BEGIN IMMEDIATE; SELECT count(*) FROM t;"))
        {
            Assert.False(File.Exists(database + "-shm"));
            Assert.Equal(new SqliteLockProbe.Holder(other.ProcessId), SqliteLockProbe.FindHolder(database));
        }
        Assert.Null(SqliteLockProbe.FindHolder(database));
    }

    private static long SchemaVersion(string database)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return (long)command.ExecuteScalar()!;
    }
}
