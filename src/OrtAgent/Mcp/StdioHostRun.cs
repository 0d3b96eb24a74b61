using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OrtAgent.Mcp;

/// <summary>
/// Runs the stdio server's host until its client closes stdin or the process is asked to stop (SIGTERM, Ctrl+C), with
/// every wait on the tool calls in flight bounded. The SDK ends a session only once each call it is handling has
/// returned, and its server, disposed with the host, waits for them again: a call blocked where no token reaches (a
/// read of a named pipe nobody wrote) kept the server running after its client had gone, and a SIGTERM did not end it.
/// </summary>
internal static class StdioHostRun
{
    /// <summary>
    /// How long the calls in flight when stdin closes are given to be answered, as <c>serve</c> drains its requests: a
    /// client piping a batch of calls closes its input before they are answered. The gate (<see cref="JsonRpcLineGate"/>)
    /// waits this long for their answers before it ends the server's input, since the SDK's transport writes nothing
    /// once its input has ended.
    /// </summary>
    public static readonly TimeSpan InFlightDrain = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the session is given to end once the gate has ended its input: the answers are out by then, or the
    /// calls still running are stuck past <see cref="InFlightDrain"/>. Then the host stops, which cancels them.
    /// </summary>
    public static readonly TimeSpan AfterInputDrain = TimeSpan.FromSeconds(5);

    /// <summary>How long the host's disposal may wait on a call that ignored its cancellation, once the host has stopped.</summary>
    public static readonly TimeSpan DisposalWait = TimeSpan.FromSeconds(5);

    /// <summary>Starts <paramref name="host"/>, runs it until it should stop, stops it and disposes of it.</summary>
    /// <param name="host">The server's host; this method owns it and disposes of it.</param>
    /// <param name="inputEnded">Completes when the client's input has ended (stdin closed).</param>
    /// <param name="drain">How long calls in flight at the input's end are given before the host is stopped.</param>
    /// <param name="disposalWait">How long disposal may take before it is left behind, the process ending without it.</param>
    /// <param name="log">Where a call left unfinished is told (stderr).</param>
    /// <param name="cancellationToken">The process's stop (SIGTERM, Ctrl+C): stops the host at once, cancelling the calls.</param>
    public static async Task RunAsync(IHost host, Task inputEnded, TimeSpan drain, TimeSpan disposalWait, TextWriter log, CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            using (cancellationToken.Register(lifetime.StopApplication))
            {
                // The SDK stops the host itself when the session ends; this only bounds how long it may wait for its calls.
                _ = StopAfterDrainAsync(inputEnded, drain, lifetime);
                await Stopping(lifetime).ConfigureAwait(false);
            }
            // Bounded by the host's ShutdownTimeout, which ends the wait for hosted services (the SDK's session among them).
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            var disposed = host is IAsyncDisposable asyncHost ? asyncHost.DisposeAsync().AsTask() : Task.Run(host.Dispose);
            if (await Task.WhenAny(disposed, Task.Delay(disposalWait)).ConfigureAwait(false) != disposed)
                log.WriteLine("warning: a tool call did not end when the server stopped; the server exits without waiting for it");
        }
    }

    private static async Task StopAfterDrainAsync(Task inputEnded, TimeSpan drain, IHostApplicationLifetime lifetime)
    {
        await inputEnded.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await Task.Delay(drain, lifetime.ApplicationStopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;   // the session ended, or the process was stopped, within the drain
        }
        lifetime.StopApplication();
    }

    private static Task Stopping(IHostApplicationLifetime lifetime)
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        return stopping.Task;
    }
}
