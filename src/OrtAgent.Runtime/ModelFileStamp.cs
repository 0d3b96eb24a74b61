namespace OrtAgent.Runtime;

/// <summary>
/// Enough to tell that a model directory's <c>model.onnx</c>, or an external data file it names (<c>model.onnx.data</c>,
/// where the weights of a model saved with external data are), may have been replaced since it was loaded, without
/// hashing them: each file's <see cref="FileStamp"/>. Size and write time alone missed a model of the same shape copied
/// over with its old write time kept (<c>cp -p</c>, <c>rsync -a</c>, <c>tar x</c>), and a swapped data file beside an
/// unchanged <c>model.onnx</c>; such a copy writes the file (a new status-change time, which nothing sets back) or makes
/// a new one (a new inode). A chmod, a chown or a hard link moves the status-change time too, and nothing else
/// (<see cref="IsSameFilesAs"/>): only the content tells that from a copy. Elsewhere (Windows, macOS) the size and
/// write time only.
/// </summary>
internal sealed record ModelFileStamp
{
    // model.onnx first, then each external data file in the order model.onnx names them (null: named but not there).
    private readonly FileStamp?[] _files;

    private ModelFileStamp(FileStamp?[] files, IReadOnlyList<string> externalDataLocations) =>
        (_files, ExternalDataLocations) = (files, externalDataLocations);

    /// <summary>The external data files the model names, relative to its directory, as read for this stamp (<see cref="ExternalDataFiles.Of"/>).</summary>
    public IReadOnlyList<string> ExternalDataLocations { get; }

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
            return new ModelFileStamp([model, .. locations.Select(location => FileStamp.Of(Path.Combine(directory, location)))], locations);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="other"/> names the same files, each the same size, write time and inode, whatever their
    /// status-change times (<see cref="FileStamp.IsSameFileAs"/>): a model whose files were at most chmod'ed, chown'ed or
    /// linked, or written over in place with their write times set back, which their content alone tells apart.
    /// </summary>
    public bool IsSameFilesAs(ModelFileStamp other) =>
        _files.Length == other._files.Length
        && _files.Zip(other._files).All(pair => pair is (null, null) || (pair is ({ } mine, { } theirs) && mine.IsSameFileAs(theirs)));

    public bool Equals(ModelFileStamp? other) => other is not null && _files.AsSpan().SequenceEqual(other._files);

    public override int GetHashCode() => _files[0].GetHashCode();
}
