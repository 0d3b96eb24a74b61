using System.Runtime.InteropServices;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Cli;

/// <summary>
/// Turns Ctrl+C (SIGINT), SIGTERM and SIGHUP into a cancelled <see cref="Token"/> instead of killing the process, so
/// commands can stop at a safe point and remove what they had half-written. SIGHUP is a closed terminal (an SSH session
/// that dropped): left to its default it killed a training run on the spot, losing every step since its last
/// checkpoint; now the run checkpoints and can be resumed. A second Ctrl+C still kills the process, unless it comes
/// within <see cref="EchoWindow"/> of the first: no one presses twice that fast, but <c>timeout -s INT</c> signals the
/// process and then its process group, which delivers one request twice. Each is said on stderr as its signal arrives
/// (<see cref="StopNotice"/>): the first request, what the command will do; a second Ctrl+C, what the process leaves
/// behind as it ends, having deleted its lock files (<see cref="ProcessLock.DeleteFilesOfHeldLocks"/>), which the next
/// run would otherwise find and clean.
/// </summary>
internal sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _terminate;
    private readonly PosixSignalRegistration? _hangUp;
    private readonly TextWriter _error;
    private long _firstRequestAt;

    /// <summary>How soon after the first stop request a Ctrl+C counts as the same request rather than a second press.</summary>
    public static readonly TimeSpan EchoWindow = TimeSpan.FromMilliseconds(250);

    /// <param name="error">Where the stop lines go: the console's stderr.</param>
    public ConsoleCancellation(TextWriter error)
    {
        _error = error;
        Console.CancelKeyPress += OnCancelKeyPress;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        // Writes to the hung-up terminal fail from here on; HangUpTolerantWriter drops them so the run can stop cleanly.
        if (!OperatingSystem.IsWindows()) _hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        Request(interrupt: false);
    }

    /// <summary>Cancels the token; returns whether this was the first request, or one within the echo window of it.</summary>
    /// <param name="interrupt">Whether it is a Ctrl+C, which a second one cuts short (SIGTERM and SIGHUP are not).</param>
    private bool Request(bool interrupt)
    {
        long now = Environment.TickCount64;
        if (Interlocked.CompareExchange(ref _firstRequestAt, now, 0) == 0)
        {
            // Said before the token is cancelled, so it comes before anything the stop itself prints; through the live
            // display when one runs, which would draw over a line written past it.
            string line = Notice.StoppingLineFor(interrupt);
            if (!Notice.TryShowLive(line)) Say(line);
            _source.Cancel();
            return true;
        }
        return now - Interlocked.Read(ref _firstRequestAt) < (long)EchoWindow.TotalMilliseconds;
    }

    /// <summary>Cancelled when the user asks the program to stop.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>What the stop lines say; the running command keeps it up to date.</summary>
    public StopNotice Notice { get; } = new();

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        // Only the first press is graceful; a user pressing again wants the process gone.
        if (Request(interrupt: true))
        {
            e.Cancel = true;
            return;
        }
        // The runtime ends the process once this returns. Its claims end with it, but their lock files stayed for the
        // next run to find: deleted now, while the locks are still held, as a claim ending normally deletes its own.
        Say(Notice.StoppedAtOnceLine);
        ProcessLock.DeleteFilesOfHeldLocks();
        e.Cancel = false;
    }

    private void Say(string line)
    {
        _error.WriteLine(line);
        _error.Flush();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _terminate.Dispose();
        _hangUp?.Dispose();
        _source.Dispose();
    }
}
