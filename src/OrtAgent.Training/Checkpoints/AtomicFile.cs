namespace OrtAgent.Training.Checkpoints;

/// <summary>
/// Writes a file under a temporary name beside its destination (<c>.NAME.tmp-PID</c>, which later writers sweep once
/// that process is gone) and renames it into place, so a crash mid-write leaves either the old file or the new one,
/// never a torn one. Public for the tools (the benchmark
/// rewrites its result JSON after every run).
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> with what <paramref name="write"/> writes, creating its directory when missing. The
    /// stream is flushed to disk before the rename; when <paramref name="write"/> or the rename throws, the temporary is deleted,
    /// the destination is left as it was, and the exception propagates.
    /// </summary>
    /// <param name="path">The destination; an existing file there is replaced.</param>
    /// <param name="write">Writes the whole content; the stream belongs to this method and must not be kept or disposed.</param>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // A killed writer's temporary (it carries its process id) goes first; this writer's carries its own.
        TemporarySiblings.Sweep(full);
        var temp = TemporarySiblings.For(full, "tmp", hidden: true);
        try
        {
            CreationFault.Reach(temp);
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                CrashPoint.Reach(CrashPoint.FileWritten);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            // Leave nothing half-written behind; the exception itself is what the caller needs.
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
        // In place: the name is free again (a failure keeps it, for the error to be told with the destination's).
        TemporarySiblings.Release(temp);
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> as UTF-8 without a byte-order mark; atomic as <see cref="Write"/>.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));
}
