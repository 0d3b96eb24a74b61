using OrtAgent.FineTuningService.Api;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// The store's room under <see cref="FineTuningServiceOptions.MaxStoreBytes"/>, kept in one place so that uploads
/// received at once cannot together pass it: each upload's bytes are reserved as they arrive, under one lock, against
/// what the store holds plus every upload's reservations, and a kept upload's bytes move from reserved to held under
/// the same lock as its file is renamed into place. What jobs write and what deletes free are reported by no one, so
/// the store is measured again (a walk of its files, <see cref="StoreUsage"/>) when an upload starts and when a job is
/// created. Without a limit nothing is measured or reserved.
/// </summary>
/// <remarks>
/// The database's write-ahead log (<c>ortagent.db-wal</c>) is counted: it is disk the store takes, and on a small limit
/// it is much of it, since SQLite lets it grow with every write, deletes included, to about 4 MB before it reuses it.
/// Not counting it would let the store pass its limit by that much. Instead, where the store would be refused as full,
/// the log is checkpointed into the database and truncated (<see cref="FineTuningStore.CheckpointLog"/>) and the store
/// measured again: deleting every file then makes room as the refusal says it does, which before took a restart. Each
/// upload also reserves, beside its bytes, the most its row adds to the log (<see cref="RecordAllowance"/>, about
/// 32 KB), so an upload accepted leaves the store within its limit.
/// </remarks>
internal sealed class StoreRoom(FineTuningStore store, FineTuningServiceOptions options)
{
    private readonly Lock _lock = new();

    // The store's bytes without the uploads being received (their temporary files are not measured): at the last walk,
    // plus the uploads kept since.
    private long _held;

    // The bytes reserved by the uploads being received.
    private long _receiving;

    /// <summary>
    /// The most that listing an upload adds to the database's write-ahead log: the pages its row changes, each with its
    /// frame header, and the log's own header, at SQLite's default page size, which this store keeps. Measured, a row
    /// changes 3 pages (the files table's leaf, its id index's, the id sequence's), and 6 where a leaf fills and splits;
    /// 8 allows both the table and the index to split at once, with page 1 recording the database's new size.
    /// </summary>
    internal const long RecordAllowance = 8 * (4096 + 24) + 32;

    /// <summary>
    /// Measures the store before an upload's bytes arrive and reserves what listing it will add to the database
    /// (<see cref="RecordAllowance"/>); does nothing without a limit.
    /// </summary>
    /// <exception cref="OpenAIApiException">400 <c>store_full</c>: there is not even room to list the upload.</exception>
    public void StartUpload(ReceivedFile file)
    {
        if (options.MaxStoreBytes is null) return;
        lock (_lock) _held = StoreUsage.Measure(store.Directory);
        Reserve(file, RecordAllowance);
    }

    /// <summary>Reserves <paramref name="bytes"/> more of <paramref name="file"/>, or refuses them when the store has no room.</summary>
    /// <exception cref="OpenAIApiException">400 <c>store_full</c>: the store's bytes and every upload's would pass the limit.</exception>
    public void Reserve(ReceivedFile file, long bytes)
    {
        if (options.MaxStoreBytes is not long limit) return;
        lock (_lock)
        {
            if (_held + _receiving + bytes > limit && !(FreedTheLog() && _held + _receiving + bytes <= limit))
                throw StoreFull(_held, upload: true, receiving: _receiving - file.Reserved);
            _receiving += bytes;
            file.Reserved += bytes;
        }
    }

    /// <summary>
    /// Where the store would be refused as full: checkpoints the database's write-ahead log, which gives its space back,
    /// and measures the store again. Only a log that holds something is checkpointed, so an upload refused chunk after
    /// chunk does not checkpoint each time. Called under the lock.
    /// </summary>
    /// <returns>Whether the store was measured again.</returns>
    private bool FreedTheLog()
    {
        if (new FileInfo(store.DatabaseLogPath) is not { Exists: true, Length: > 0 }) return false;
        store.CheckpointLog();
        _held = StoreUsage.Measure(store.Directory);
        return true;
    }

    /// <summary>Gives back what <paramref name="file"/> reserved: it was refused, cut short or not kept.</summary>
    public void Release(ReceivedFile file)
    {
        lock (_lock)
        {
            _receiving -= file.Reserved;
            file.Reserved = 0;
        }
    }

    /// <summary>
    /// Renames <paramref name="file"/> into place and counts its bytes as held, in one step for every other upload: the
    /// next upload's walk measures the file, and none in between sees its bytes both reserved and held, or neither.
    /// </summary>
    public void Keep(ReceivedFile file)
    {
        lock (_lock)
        {
            File.Move(file.TemporaryPath, file.Path);
            _receiving -= file.Reserved;
            _held += file.Reserved;
            file.Reserved = 0;
        }
    }

    /// <summary>
    /// Refuses a new job when the store (and the uploads being received) already hold the limit: its checkpoints and
    /// model would take it further past.
    /// </summary>
    /// <exception cref="OpenAIApiException">400 <c>store_full</c>.</exception>
    public void CheckJobRoom()
    {
        if (options.MaxStoreBytes is not long limit) return;
        lock (_lock)
        {
            _held = StoreUsage.Measure(store.Directory);
            if (_held + _receiving >= limit && !(FreedTheLog() && _held + _receiving < limit))
                throw StoreFull(_held, upload: false, receiving: _receiving);
        }
    }

    /// <summary>
    /// The refusal of an upload (or a job) the store has no room for: a 400, which clients do not retry, with the limit,
    /// what the store holds and how to make room; apart from the 507 of a full disk, which is the server's to fix.
    /// </summary>
    // What other uploads are receiving is said apart from what the store holds: deleting files frees the one, not the other.
    private OpenAIApiException StoreFull(long used, bool upload, long receiving = 0) => OpenAIApiException.BadRequest(
        $"the store is full: it holds {OpenAIErrorEnvelope.Bytes(used)} of the {OpenAIErrorEnvelope.Bytes(options.MaxStoreBytes!.Value)} this service keeps"
        + (receiving > 0 ? $", and other uploads in progress take {OpenAIErrorEnvelope.Bytes(receiving)} more" : "")
        + (upload ? ", and this upload would pass that; nothing was stored" : ", so a job's checkpoints and model have no room")
        + ". Delete files (DELETE /v1/files/{id}) or fine-tuned models (DELETE /v1/models/{id}) to make room",
        upload ? "file" : null, "store_full");
}
