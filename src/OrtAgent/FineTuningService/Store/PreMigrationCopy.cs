using System.Buffers.Binary;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// An earlier store's database as it was before this open migrated it to this build's schema, kept beside it until the
/// service has started (<see cref="Discard"/>) and put back when the open or the start fails (<see cref="Restore"/>): a
/// start refused after the store was opened (a port taken since the early check, an address that cannot be bound) left
/// the database migrated, and the build before, which had served the store, could no longer open it.
/// </summary>
/// <remarks>
/// A copy, rather than the store opened once the listeners are bound: Kestrel answers requests from its bind on, and the
/// job queue takes up the jobs a stop interrupted just before it (<c>JobQueue.StartingAsync</c>), so both need the
/// migrated store before the start is known to succeed. It is taken under the store's claim and before any connection
/// opens the database, so it holds the bytes the earlier build left. Only a migration pays for it: a store of this
/// build's schema is not copied.
/// <para>
/// The copy is of one file, the database with a write-ahead log a killed process left checkpointed into it first
/// (<see cref="StoreDatabase.CheckpointLeftLog"/>): a database and its log put back as two files, one rename after the
/// other, were apart for a moment, and a kill then left the earlier database without its log's transactions (the log's
/// copy was discarded by the next open) or the log beside the migrated database, which SQLite would have replayed into it.
/// </para>
/// </remarks>
internal sealed class PreMigrationCopy
{
    private const string Suffix = ".before-migration";

    // SQLite's file header: 16 bytes of magic, and the user_version (the store's schema version) at offset 60, big-endian.
    private static readonly byte[] Magic = "SQLite format 3\0"u8.ToArray();
    private const int HeaderLength = 100, UserVersionOffset = 60;

    private readonly string _database;

    private PreMigrationCopy(string database) => _database = database;

    private string Copy => _database + Suffix;

    /// <summary>
    /// Copies the database in <paramref name="directory"/> when its header says a schema older than
    /// <paramref name="currentVersion"/> (an empty file is version 0); null for a new store, one of this build's schema,
    /// or a file that is not a database (its open refuses it before writing). A copy a killed start left is removed first:
    /// it is never needed again, as <see cref="Restore"/> puts it back in one rename.
    /// </summary>
    /// <exception cref="IOException">The copy cannot be written (a full disk among them); no part of it is left.</exception>
    /// <exception cref="UserInputException">The database needs migrating and another program holds its write-ahead log open.</exception>
    public static PreMigrationCopy? TakeIfMigrating(string directory, int currentVersion)
    {
        var copy = new PreMigrationCopy(Path.Combine(directory, StoreDatabase.FileName));
        copy.Discard();
        if (HeaderVersion(copy._database) is null) return null;
        // Before the version is read: the header lags the log's transactions until they are checkpointed.
        bool whole = StoreDatabase.CheckpointLeftLog(directory);
        if (HeaderVersion(copy._database) is not { } version || version >= currentVersion) return null;
        if (!whole)
            throw new UserInputException($"--store {directory}: {StoreDatabase.FileName} is open in another program, which keeps its write-ahead log "
                + $"({StoreDatabase.FileName}-wal) from being checkpointed before this build migrates it; close that program and start again");
        try
        {
            File.Copy(copy._database, copy.Copy, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            copy.Discard();
            throw;
        }
        return copy;
    }

    /// <summary>The schema version in the database file's header; null where there is no file or it is not a database.</summary>
    private static long? HeaderVersion(string database)
    {
        if (!File.Exists(database)) return null;
        using var stream = new FileStream(database, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length == 0) return 0;   // SQLite takes an empty file for an empty database
        var header = new byte[HeaderLength];
        if (stream.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false) < HeaderLength || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return null;
        return BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(UserVersionOffset));
    }

    /// <summary>
    /// Puts the database back as it was before the migration; called under the store's claim, once nothing uses the
    /// store. The migrated database's log and shared-memory index go (the earlier database had none: they were
    /// checkpointed into it before the copy).
    /// </summary>
    /// <remarks>
    /// In this order, so that a kill at any point leaves the migrated store or the earlier one, never a mixture: the
    /// pooled connections closed first, which checkpoints the migrated log into the migrated database and removes it, so
    /// that the migrated database is whole by itself; then its log and index removed, should one be left, as a log beside
    /// the earlier database would be replayed into it; then the copy renamed over the database, one atomic step. A kill
    /// before the rename leaves the migrated database (the next open discards the copy), one after it the earlier one.
    /// </remarks>
    /// <exception cref="IOException">A file cannot be replaced; the copy stays beside the database until the next open.</exception>
    public void Restore()
    {
        StoreDatabase.ClosePooledConnections(Path.GetDirectoryName(_database)!);
        File.Delete(_database + "-wal");
        File.Delete(_database + "-shm");
        File.Move(Copy, _database, overwrite: true);
    }

    /// <summary>Keeps the migration: the copy is removed.</summary>
    public void Discard() => BestEffortDelete.File(Copy);
}
