namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// An upload's bytes under a temporary name in the store's files folder, not yet listed
/// (<see cref="StoredFiles.ReceiveAsync"/>). Disposing of it deletes whatever <see cref="StoredFiles.Keep"/> did not
/// move into place, and gives back the room it reserved (<see cref="StoreRoom"/>); a kill leaves only a <c>.partial</c>
/// file that the store removes when it next opens.
/// </summary>
internal sealed class ReceivedFile(string id, string filename, string path, StoreRoom room) : IDisposable
{
    public string Id { get; } = id;

    /// <summary>The name the client gave, without any folder.</summary>
    public string Filename { get; } = filename;

    /// <summary>Where the bytes go once kept.</summary>
    public string Path { get; } = path;

    /// <summary>What an upload's temporary file's name ends with.</summary>
    public const string TemporaryExtension = ".partial";

    public string TemporaryPath { get; } = path + TemporaryExtension;

    public long Bytes { get; set; }

    /// <summary>The bytes <see cref="StoreRoom"/> holds for this upload until it is kept or given up.</summary>
    public long Reserved { get; set; }

    public void Dispose()
    {
        room.Release(this);
        if (File.Exists(TemporaryPath)) File.Delete(TemporaryPath);
    }
}
