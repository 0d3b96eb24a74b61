using System.Runtime.InteropServices;

namespace OrtAgent.TestSupport;

/// <summary>
/// A data path that is not a regular file: a named pipe (FIFO), whose open waits for a writer, or a directory. Disposing
/// it opens a FIFO for writing and closes it, so a reader still waiting in its open (the build before the refusal)
/// gets an end of file and its thread is not left blocked for the rest of the test run.
/// </summary>
public sealed class NotARegularFile : IDisposable
{
    public const string Fifo = "fifo";
    public const string Directory = "directory";

    private NotARegularFile(string path, string kind)
    {
        Path = path;
        Kind = kind;
    }

    public string Path { get; }

    public string Kind { get; }

    /// <summary>What the refusal says it is.</summary>
    public string Refusal => Kind == Fifo ? $"{Path}: is not a regular file (a FIFO); expected a data file (.csv, .tsv, .jsonl)"
        : $"{Path}: is a directory; expected a data file (.csv, .tsv, .jsonl)";

    /// <summary>Makes <paramref name="path"/> a FIFO or a directory (the tests that use it run on Linux, whose flags <see cref="Dispose"/> passes).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static NotARegularFile Create(string path, string kind)
    {
        if (kind == Fifo)
        {
            if (mkfifo(path, 0b110_000_000) != 0) throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        else
        {
            System.IO.Directory.CreateDirectory(path);
        }
        return new NotARegularFile(path, kind);
    }

    public void Dispose()
    {
        if (Kind != Fifo || !File.Exists(Path)) return;
        // Non-blocking: O_WRONLY | O_NONBLOCK fails (ENXIO) when no reader waits, and then there is none to release.
        int fd = open(Path, 0x1 | 0x800);
        if (fd >= 0) close(fd);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);
}
