using Microsoft.Data.Sqlite;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Tells a write that failed for want of space from other failures, wherever the store writes: the file system says so
/// with an <see cref="IOException"/> (<see cref="DiskFull"/>), SQLite with its own exception and <c>SQLITE_FULL</c>, when
/// the database or its write-ahead log cannot grow. Both are the server's state, not a bug and not the client's mistake.
/// </summary>
internal static class StorageFull
{
    /// <summary>SQLite's result code for "database or disk is full".</summary>
    private const int SqliteFull = 13;

    /// <summary>True for a full disk (ENOSPC) met by a file write or by SQLite (a quota's EDQUOT reaches SQLite as an I/O error, not this).</summary>
    public static bool Is(Exception ex) => ex switch
    {
        IOException io => DiskFull.Is(io),
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteFull,
        _ => false,
    };
}
