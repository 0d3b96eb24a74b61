using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// The stdio server's host stops, and the process may exit, even while a tool call is blocked where no token reaches:
/// the SDK ended its session only once every call had returned, and waited for them again when the host was disposed,
/// so a call reading a named pipe kept <c>ortagent mcp</c> running after stdin closed and after SIGTERM. Here the
/// session is a hosted service that never returns and a service whose disposal never ends, as the SDK's were then.
/// </summary>
public sealed class StdioHostRunTests
{
    private static readonly TimeSpan Drain = TimeSpan.FromMilliseconds(300), Shutdown = TimeSpan.FromMilliseconds(300), DisposalWait = TimeSpan.FromMilliseconds(300);

    // Far above Drain + Shutdown + DisposalWait, far below forever.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ClosingTheInputStopsTheHostAfterTheDrainThoughACallNeverReturns()
    {
        var stuck = new StuckCall();
        var inputEnded = new TaskCompletionSource();
        var log = new StringWriter();
        var run = StdioHostRun.RunAsync(HostWith(_ => stuck), inputEnded.Task, Drain, DisposalWait, log, CancellationToken.None);
        await stuck.Started.WaitAsync(Bound);

        inputEnded.SetResult();

        await run.WaitAsync(Bound);
        Assert.True(stuck.Cancelled.IsCancellationRequested, "the call in flight was not cancelled when the host stopped");
        Assert.Equal("warning: a tool call did not end when the server stopped; the server exits without waiting for it", log.ToString().Trim());
    }

    [Fact]
    public async Task AStopSignalStopsTheHostAtOnceThoughACallNeverReturns()
    {
        var stuck = new StuckCall();
        using var signal = new CancellationTokenSource();
        var run = StdioHostRun.RunAsync(HostWith(_ => stuck), new TaskCompletionSource().Task, TimeSpan.FromHours(1), DisposalWait, TextWriter.Null, signal.Token);
        await stuck.Started.WaitAsync(Bound);

        await signal.CancelAsync();

        await run.WaitAsync(Bound);
        Assert.True(stuck.Cancelled.IsCancellationRequested);
    }

    /// <summary>A piped batch of calls closes stdin before they are answered: a call that ends within the drain is not cancelled.</summary>
    [Fact]
    public async Task ACallThatEndsWithinTheDrainEndsTheSessionItself()
    {
        QuickCall? quick = null;
        var run = StdioHostRun.RunAsync(HostWith(services => quick = new QuickCall(services.GetRequiredService<IHostApplicationLifetime>())), Task.CompletedTask, TimeSpan.FromHours(1), DisposalWait, TextWriter.Null, CancellationToken.None);

        await run.WaitAsync(Bound);
        Assert.True(quick!.Finished);
    }

    // Made by a factory, so the container disposes of it with the host, as it does the SDK's server.
    private static IHost HostWith<TSession>(Func<IServiceProvider, TSession> session) where TSession : class, IHostedService
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Shutdown);
        builder.Services.AddHostedService(session);
        return builder.Build();
    }

    /// <summary>A session whose one call ignores its token, and whose disposal waits for that call, as the SDK's server does.</summary>
    private sealed class StuckCall : IHostedService, IAsyncDisposable
    {
        private readonly TaskCompletionSource _never = new();
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _call = new();

        public Task Started => _started.Task;

        /// <summary>The call's token, which the host's stop cancels.</summary>
        public CancellationToken Cancelled => _call.Token;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _started.SetResult();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _call.Cancel();
            // As BackgroundService's StopAsync: the host's ShutdownTimeout ends the wait, without an exception.
            return Task.WhenAny(_never.Task, Task.Delay(Timeout.Infinite, cancellationToken));
        }

        public ValueTask DisposeAsync() => new(_never.Task);
    }

    /// <summary>A session whose call ends soon and which then stops the host, as the SDK's does when its input has ended.</summary>
    private sealed class QuickCall(IHostApplicationLifetime lifetime) : IHostedService
    {
        public bool Finished { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(200);
                Finished = true;
                lifetime.StopApplication();
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
