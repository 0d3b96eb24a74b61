using Microsoft.AspNetCore.Http;
using OrtAgent.FineTuningService.Api;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// Records a delete on a disk that may be full. Deleting is the only way a client can free space, yet recording it
/// writes: SQLite appends the changed pages to its write-ahead log, which on a full disk fails (SQLITE_FULL) and the
/// delete was refused with the 507 of a write, "nothing was stored". Where the record finds the disk full, what is
/// deleted is removed first, which frees its space, and the record is written again; where that is too little (a small
/// file's bytes), the store's room reserve is given up for it (<see cref="FineTuningStore.KeepRoomReserve"/>). Only where
/// even that finds no room is the delete refused, saying what was removed and what is still listed.
/// </summary>
internal static class FullDiskDelete
{
    /// <summary>
    /// Runs <paramref name="record"/>; where it finds the disk full, runs <paramref name="free"/>, then
    /// <paramref name="record"/> again. The caller holds what keeps the thing deleted from being taken into use meanwhile.
    /// </summary>
    /// <param name="record">Writes the delete (the row removed, the model marked deleted).</param>
    /// <param name="free">Removes the bytes or folder deleted, which the caller would otherwise remove after the record.</param>
    /// <param name="giveUpReserve">Deletes the store's room reserve; false when there was none to give.</param>
    /// <param name="what">The thing deleted, as the refusal names it: "file file-abc", "model 'ft:…'".</param>
    /// <param name="removed">What <paramref name="free"/> removed, as the refusal says it: "bytes", "files".</param>
    /// <param name="deleteAgain">The request that finishes the delete: "DELETE /v1/files/file-abc".</param>
    /// <exception cref="OpenAIApiException">507 <c>insufficient_storage</c>: the record found no room even after the space was freed.</exception>
    public static void Record(Action record, Action free, Func<bool> giveUpReserve, string what, string removed, string deleteAgain)
    {
        if (Recorded(record)) return;
        free();
        if (Recorded(record)) return;
        // Still too little (a small file's bytes): the store's room reserve goes, to be kept again at the next start.
        if (giveUpReserve() && Recorded(record)) return;
        throw NoRoom(what, removed, deleteAgain);
    }

    /// <summary>Runs <paramref name="record"/>; false where it found the disk full.</summary>
    private static bool Recorded(Action record)
    {
        try
        {
            record();
            return true;
        }
        catch (Exception ex) when (StorageFull.Is(ex))
        {
            return false;
        }
    }

    private static OpenAIApiException NoRoom(string what, string removed, string deleteAgain) =>
        new(StatusCodes.Status507InsufficientStorage,
            $"the service's disk is full: {what}'s {removed} are deleted, but the record of its deletion could not be written, so it is still listed. "
            + $"Free space on the server, then send {deleteAgain} again",
            type: "server_error", code: "insufficient_storage");
}
