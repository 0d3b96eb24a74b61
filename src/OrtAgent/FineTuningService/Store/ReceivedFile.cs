namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// An upload's bytes under a temporary name in the store's files folder, not yet listed
/// (<see cref="StoredFiles.ReceiveAsync"/>). Disposing of it deletes whatever <see cref="StoredFiles.Keep"/> did not
/// move into place; a kill leaves only a <c>.partial</c> file that the store removes when it next opens.
/// </summary>
internal sealed class ReceivedFile(string id, string filename, string path) : IDisposable
{
    public string Id { get; } = id;

    /// <summary>The name the client gave, without any folder.</summary>
    public string Filename { get; } = filename;

    /// <summary>Where the bytes go once kept.</summary>
    public string Path { get; } = path;

    public string TemporaryPath { get; } = path + ".partial";

    public long Bytes { get; set; }

    public void Dispose()
    {
        if (File.Exists(TemporaryPath)) File.Delete(TemporaryPath);
    }
}
