using System.Runtime.InteropServices;

namespace OrtAgent.Cli;

/// <summary>
/// Turns Ctrl+C (SIGINT), SIGTERM and SIGHUP into a cancelled <see cref="Token"/> instead of killing the process, so
/// commands can stop at a safe point and remove what they had half-written. SIGHUP is a closed terminal (an SSH session
/// that dropped): left to its default it killed a training run on the spot, losing every step since its last
/// checkpoint; now the run checkpoints and can be resumed. A second Ctrl+C still kills the process, unless it comes
/// within <see cref="EchoWindow"/> of the first: no one presses twice that fast, but <c>timeout -s INT</c> signals the
/// process and then its process group, which delivers one request twice.
/// </summary>
internal sealed class ConsoleCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _terminate;
    private readonly PosixSignalRegistration? _hangUp;
    private long _firstRequestAt;

    /// <summary>How soon after the first stop request a Ctrl+C counts as the same request rather than a second press.</summary>
    public static readonly TimeSpan EchoWindow = TimeSpan.FromMilliseconds(250);

    public ConsoleCancellation()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        // Writes to the hung-up terminal fail from here on; HangUpTolerantWriter drops them so the run can stop cleanly.
        if (!OperatingSystem.IsWindows()) _hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        Request();
    }

    /// <summary>Cancels the token; returns whether this was the first request, or one within the echo window of it.</summary>
    private bool Request()
    {
        long now = Environment.TickCount64;
        if (Interlocked.CompareExchange(ref _firstRequestAt, now, 0) == 0)
        {
            _source.Cancel();
            return true;
        }
        return now - Interlocked.Read(ref _firstRequestAt) < (long)EchoWindow.TotalMilliseconds;
    }

    /// <summary>Cancelled when the user asks the program to stop.</summary>
    public CancellationToken Token => _source.Token;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        // Only the first press is graceful; a user pressing again wants the process gone.
        e.Cancel = Request();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _terminate.Dispose();
        _hangUp?.Dispose();
        _source.Dispose();
    }
}
