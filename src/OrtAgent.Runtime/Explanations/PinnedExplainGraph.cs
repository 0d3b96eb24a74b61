using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// An <c>explain.onnx</c> held open from the moment it was checked against the loaded model. A served model's folder is
/// replaced by renaming a new one into place, and the graph was opened by path on the first explanation, by which time
/// the path named the new model's graph: every explanation of the model still served was refused as replaced. An open
/// file keeps its inode's bytes after a rename or unlink over its name, so the graph that was checked is the one read.
/// </summary>
/// <remarks>
/// A graph written over in place (the same inode) changes its bytes under the handle too: that shows as another size or
/// write time, and the pin is not used then. The status-change time is not compared: the rename or delete this pin is
/// for moves it too (the link count drops). A copy over it that keeps size and write time is caught by the digest of its
/// model that the graph records, which the caller compares. A graph whose weights live in external data files
/// (<c>explain.onnx.data</c>) has those held open too, not read: they are gigabytes, copied from the handles when a
/// session is opened (<see cref="ExternalDataCopy"/>), so a data file renamed over this one's after the check is not the
/// one read either. Another model's data file copied over this one's in place is caught by the digest of its data file
/// that the graph records, which the session's opening compares. On Windows, where the data files are opened in place
/// (<see cref="ExternalDataCopy"/>), such a graph is not pinned.
/// </remarks>
internal sealed class PinnedExplainGraph : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly FileStamp _pinned;
    private readonly IReadOnlyList<PinnedFile> _externalData;

    private PinnedExplainGraph(SafeFileHandle handle, FileStamp pinned, IReadOnlyList<PinnedFile> externalData)
    {
        _handle = handle;
        _pinned = pinned;
        _externalData = externalData;
    }

    // One of the graph's external data files: the location the graph names it by, held open with the stamp it had.
    private sealed record PinnedFile(string Location, SafeFileHandle Handle, FileStamp Stamp);

    /// <summary>
    /// The graph's external data files held open, by the locations the graph names them by, in its order; empty for a
    /// graph that keeps its weights inline. Owned by this pin: read them before it is disposed.
    /// </summary>
    public IReadOnlyList<(string Location, SafeFileHandle Source)> ExternalData => _externalData.Select(file => (file.Location, file.Handle)).ToList();

    /// <summary>
    /// Opens <paramref name="path"/> for reading, with its bytes read once (<paramref name="graph"/>), and each external
    /// data file it names, or returns null where it cannot be pinned: no regular file there (a FIFO would hold the open),
    /// it cannot be opened or read whole, it was written while being read, or a data file it names is missing, is no
    /// regular file or cannot be opened (or is named at all, on Windows). The caller then reads it by path, as before, and
    /// words whatever is wrong with it.
    /// </summary>
    public static PinnedExplainGraph? TryOpen(string path, out byte[]? graph)
    {
        graph = null;
        if (!File.Exists(path) || ModelFolderFile.Refusal(path) is not null) return null;
        SafeFileHandle? handle = null;
        var externalData = new List<PinnedFile>();
        try
        {
            handle = OpenForReading(path);
            var pinned = StampOf(handle);
            if (pinned.Length > Array.MaxLength || ReadWhole(handle, pinned) is not { } bytes || !TryOpenExternalData(path, bytes, externalData))
            {
                Dispose(handle, externalData);
                return null;
            }
            graph = bytes;
            return new PinnedExplainGraph(handle, pinned, externalData);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Dispose(handle, externalData);
            return null;
        }
    }

    // Opens the external data files `graph` names into `opened`; false where one cannot be pinned (see TryOpen).
    private static bool TryOpenExternalData(string path, byte[] graph, List<PinnedFile> opened)
    {
        var locations = ExternalDataFiles.Of(new MemoryStream(graph, writable: false));
        if (locations.Count == 0) return true;
        if (OperatingSystem.IsWindows()) return false;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var location in locations)
        {
            var dataPath = Path.Combine(directory, location);
            if (!File.Exists(dataPath) || ModelFolderFile.Refusal(dataPath) is not null) return false;
            var handle = OpenForReading(dataPath);
            opened.Add(new PinnedFile(location, handle, StampOf(handle)));
        }
        return true;
    }

    /// <summary>
    /// The graph's bytes, or null when it or one of its external data files was written over in place since it was
    /// pinned (or cannot be read now).
    /// </summary>
    public byte[]? ReadIfUnchanged()
    {
        try
        {
            foreach (var file in _externalData)
                if (!StampOf(file.Handle).IsSameFileAs(file.Stamp)) return null;
            return ReadWhole(_handle, _pinned);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // The file's bytes while it still has the stamp `pinned`, before and after the read (written over while it was read,
    // the bytes may be half of each); null otherwise.
    private static byte[]? ReadWhole(SafeFileHandle handle, FileStamp pinned)
    {
        if (!StampOf(handle).IsSameFileAs(pinned)) return null;
        var bytes = new byte[pinned.Length];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
            if (n == 0) return null;
            read += n;
        }
        return StampOf(handle).IsSameFileAs(pinned) ? bytes : null;
    }

    /// <summary>
    /// Opens <paramref name="path"/> read-only. On Linux through the C library: .NET's own open takes a shared
    /// <c>flock</c> on a file opened for reading, and a .NET writer asking for it alone (<c>File.Copy</c> over it) was refused
    /// "being used by another process" for as long as the model was served.
    /// </summary>
    /// <exception cref="IOException">It cannot be opened.</exception>
    private static SafeFileHandle OpenForReading(string path)
    {
        if (!OperatingSystem.IsLinux())
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
        SafeFileHandle? handle;
        try
        {
            handle = UnixReadOnlyFile.TryOpen(path);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
        }
        return handle ?? throw new IOException($"{path}: cannot be opened (errno {Marshal.GetLastPInvokeError()})");
    }

    private static FileStamp StampOf(SafeFileHandle handle) =>
        new(RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle), UnixStatus.Of(handle));

    public void Dispose() => Dispose(_handle, _externalData);

    private static void Dispose(SafeFileHandle? graph, IEnumerable<PinnedFile> externalData)
    {
        graph?.Dispose();
        foreach (var file in externalData) file.Handle.Dispose();
    }
}
