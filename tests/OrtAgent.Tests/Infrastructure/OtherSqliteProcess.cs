using System.Diagnostics;

namespace OrtAgent.Tests.Infrastructure;

/// <summary>
/// Another process with a SQLite database open, as a SQLite tool has it, or an OrtAgent from before the store's claim
/// while it runs jobs: Python's <c>sqlite3</c> module (CI installs <c>python3</c>) connected until disposed. A test process
/// cannot stand in for it: the POSIX locks SQLite holds are per process, and a process does not see its own.
/// </summary>
internal sealed class OtherSqliteProcess : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    // Runs the statements, says so on stdout, and keeps the connection (and any transaction they began) until stdin closes.
    private const string HoldScript = """
        import sqlite3, sys
        connection = sqlite3.connect(sys.argv[1], isolation_level=None)
        connection.executescript(sys.argv[2])
        print("ready", flush=True)
        sys.stdin.read()
        connection.close()
        """;

    // Asks, as SqliteLockProbe does, whether a write lock on SQLite's lock bytes could be taken; prints the holder's pid, or 0.
    private const string ProbeScript = """
        import fcntl, os, struct, sys
        for path, start, length in ((sys.argv[1] + "-shm", 120, 9), (sys.argv[1], 0x40000000, 512)):
            if not os.path.exists(path):
                continue
            descriptor = os.open(path, os.O_RDONLY)
            held = struct.unpack("hhqqi", fcntl.fcntl(descriptor, fcntl.F_GETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, start, length, 0)))
            os.close(descriptor)
            if held[0] != fcntl.F_UNLCK:
                print(held[4])
                break
        else:
            print(0)
        """;

    private readonly Process _process;

    private OtherSqliteProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    /// <summary>Connects to <paramref name="database"/> in another process and runs <paramref name="statements"/> there, returning once they ran.</summary>
    public static async Task<OtherSqliteProcess> OpenAsync(string database, string statements)
    {
        var process = Python(HoldScript, database, statements, redirectInput: true);
        var other = new OtherSqliteProcess(process);
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Bound);
            if (line != "ready")
                throw new InvalidOperationException($"python3 did not open {database}: {await process.StandardError.ReadToEndAsync().WaitAsync(Bound)}");
            return other;
        }
        catch
        {
            other.Dispose();
            throw;
        }
    }

    /// <summary>The id of a process holding a SQLite lock on <paramref name="database"/>, as another process sees it; 0 for none.</summary>
    public static async Task<int> LockHolderAsync(string database)
    {
        using var process = Python(ProbeScript, database, "", redirectInput: false);
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(Bound);
        await process.WaitForExitAsync().WaitAsync(Bound);
        return process.ExitCode == 0 ? int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"python3 could not probe {database}: {await process.StandardError.ReadToEndAsync()}");
    }

    private static Process Python(string script, string database, string statements, bool redirectInput)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput };
        foreach (var arg in new[] { "-c", script, database, statements }) start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start python3");
    }

    /// <summary>Closes the connection (stdin closed) and waits for the process to end; killed if it does not.</summary>
    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(Bound)) _process.Kill();
            _process.WaitForExit(Bound);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
