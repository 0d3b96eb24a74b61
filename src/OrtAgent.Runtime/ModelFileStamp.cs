namespace OrtAgent.Runtime;

/// <summary>
/// Enough to tell that a model directory's <c>model.onnx</c>, or an external data file it names (<c>model.onnx.data</c>,
/// where the weights of a model saved with external data are), was replaced since it was loaded, without hashing them:
/// each file's size and last write time, and on Linux its inode and status-change time (<see cref="UnixStatus"/>). Size
/// and write time alone missed a model of the same shape copied over with its old write time kept (<c>cp -p</c>,
/// <c>rsync -a</c>, <c>tar x</c>), and a swapped data file beside an unchanged <c>model.onnx</c>; such a copy writes
/// the file (a new status-change time, which nothing sets back) or makes a new one (a new inode). A chmod or chown of
/// the model reads as a change too: the stamp cannot tell it from a copy, and loading the model again answers it.
/// Elsewhere (Windows, macOS) the size and write time only.
/// </summary>
internal sealed record ModelFileStamp
{
    // model.onnx first, then each external data file in the order model.onnx names them (null: named but not there).
    private readonly FileStamp?[] _files;

    private ModelFileStamp(FileStamp?[] files) => _files = files;

    /// <summary>The stamp of the model at <paramref name="path"/> and its external data files, or null when the model cannot be read.</summary>
    public static ModelFileStamp? Of(string path)
    {
        try
        {
            if (FileStamp.Of(path) is not { } model) return null;
            IReadOnlyList<string> locations;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                locations = ExternalDataFiles.Of(stream);
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            return new ModelFileStamp([model, .. locations.Select(location => FileStamp.Of(Path.Combine(directory, location)))]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public bool Equals(ModelFileStamp? other) => other is not null && _files.AsSpan().SequenceEqual(other._files);

    public override int GetHashCode() => _files[0].GetHashCode();

    private readonly record struct FileStamp(long Length, DateTime LastWriteUtc, UnixStatus? Status)
    {
        /// <exception cref="IOException">The file cannot be read.</exception>
        /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
        public static FileStamp? Of(string path)
        {
            var file = new FileInfo(path);
            return file.Exists ? new FileStamp(file.Length, file.LastWriteTimeUtc, UnixStatus.Of(path)) : null;
        }
    }
}
