using System.Globalization;

namespace OrtAgent.Progress;

/// <summary>
/// Progress as plain lines for output that is not a terminal (a log file, CI): <c>predict x.csv: 0/200</c> at the
/// start, <c>predict x.csv: 120/200 (60%, 35.2/s)</c> at most once per interval however often work reports, and
/// <c>predict x.csv: done, 200 in 5.7 s</c> at the end. Reports may come from any thread.
/// </summary>
internal sealed class ProgressLines(TextWriter writer, string description, long total, TimeProvider time, TimeSpan interval)
{
    /// <summary>How often a long run prints a line: often enough to see it move, rarely enough to keep logs short.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private long _started;
    private TimeSpan _lastLine;

    /// <summary>Starts the clock and prints the first line.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _started = time.GetTimestamp();
            _lastLine = TimeSpan.Zero;
            Write($"{description}: 0/{total}");
        }
    }

    /// <summary>Takes <paramref name="done"/> steps so far; prints it only when the interval has passed since the last line.</summary>
    public void Report(long done)
    {
        lock (_gate)
        {
            var elapsed = time.GetElapsedTime(_started);
            if (elapsed - _lastLine < interval) return;
            _lastLine = elapsed;
            Write($"{description}: {done}/{total} ({100.0 * done / Math.Max(1, total):F0}%, {done / elapsed.TotalSeconds:F1}/s)");
        }
    }

    /// <summary>Prints the last line, with the time taken.</summary>
    public void Finish()
    {
        lock (_gate) Write($"{description}: done, {total} in {time.GetElapsedTime(_started).TotalSeconds:F1} s");
    }

    private void Write(FormattableString line) => writer.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
