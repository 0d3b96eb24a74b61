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
/// </remarks>
internal sealed class PreMigrationCopy
{
    private const string Suffix = ".before-migration";

    // SQLite's file header: 16 bytes of magic, and the user_version (the store's schema version) at offset 60, big-endian.
    private static readonly byte[] Magic = "SQLite format 3\0"u8.ToArray();
    private const int HeaderLength = 100, UserVersionOffset = 60;

    private readonly string _database;

    private PreMigrationCopy(string database) => _database = database;

    // The database and its write-ahead log, whose committed transactions are part of the store until a checkpoint.
    private string[] Files => [_database, _database + "-wal"];

    private static string CopyOf(string file) => file + Suffix;

    /// <summary>
    /// Copies the database in <paramref name="directory"/> when its header says a schema older than
    /// <paramref name="currentVersion"/> (an empty file is version 0); null for a new store, one of this build's schema,
    /// or a file that is not a database (its open refuses it before writing). A copy a killed start left is removed first.
    /// </summary>
    /// <exception cref="IOException">The copy cannot be written (a full disk among them); no part of it is left.</exception>
    public static PreMigrationCopy? TakeIfMigrating(string directory, int currentVersion)
    {
        var copy = new PreMigrationCopy(Path.Combine(directory, StoreDatabase.FileName));
        copy.Discard();
        // The header's version may lag a write-ahead log a killed process left; the copy is then taken, and discarded
        // once the open finds it needed no migration (StoreDatabase.Migrated).
        if (HeaderVersion(copy._database) is not { } version || version >= currentVersion) return null;
        try
        {
            foreach (var file in copy.Files)
                if (File.Exists(file)) File.Copy(file, CopyOf(file), overwrite: true);
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
    /// store. Its shared-memory index goes with the migrated files (SQLite makes it again).
    /// </summary>
    /// <exception cref="IOException">A file cannot be replaced; the copy stays beside the database until the next open.</exception>
    public void Restore()
    {
        StoreDatabase.ClosePooledConnections(Path.GetDirectoryName(_database)!);
        // The migrated log before the database is put back: left beside the earlier database, it would be replayed into it.
        File.Delete(_database + "-shm");
        File.Delete(_database + "-wal");
        foreach (var file in Files)
            if (File.Exists(CopyOf(file))) File.Move(CopyOf(file), file, overwrite: true);
    }

    /// <summary>Keeps the migration: the copy is removed.</summary>
    public void Discard()
    {
        foreach (var file in Files) BestEffortDelete.File(CopyOf(file));
    }
}
