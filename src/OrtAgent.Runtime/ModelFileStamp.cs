namespace OrtAgent.Runtime;

/// <summary>
/// A file's size and last write time: enough to tell that a model directory's <c>model.onnx</c> was replaced (an export
/// writes a new file), without hashing it.
/// </summary>
internal readonly record struct ModelFileStamp(long Length, DateTime LastWriteUtc)
{
    /// <summary>The stamp of <paramref name="path"/>, or null when it cannot be read.</summary>
    public static ModelFileStamp? Of(string path)
    {
        try
        {
            var file = new FileInfo(path);
            return file.Exists ? new ModelFileStamp(file.Length, file.LastWriteTimeUtc) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
