using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrtAgent.Serving;

/// <summary>
/// Once the server is stopping (Ctrl+C, SIGTERM, <c>StopAsync</c>), answers every request that arrives with a 503
/// <c>service_stopping</c> and <c>Retry-After</c> in the path's error body, and holds the host's stop, before Kestrel
/// stops listening, until the requests already in flight have finished (at most the shutdown timeout).
/// </summary>
/// <remarks>
/// Kestrel stops first of the host's services: it closed its listener the moment the stop began, so a request sent
/// while in-flight requests drained or jobs checkpointed met a refused or reset connection, and the service's own 503
/// reached only a request already past the listener once the models were disposed. Held open here (and by the job
/// queue, which checkpoints in the same stage), the listener answers those requests with a status a client can act
/// on: OpenAI's SDKs retry a 503 after <c>Retry-After</c>, by when a restarted service answers.
/// </remarks>
internal sealed class StoppingGate(IHostApplicationLifetime lifetime, ServingOptions options, ILogger<StoppingGate> logger) : IMiddleware, IHostedLifecycleService, IDisposable
{
    /// <summary>The error code of a request refused because the server is stopping.</summary>
    public const string Code = "service_stopping";

    // About a restart: the host stops, the next start opens the store and resumes its jobs.
    private const string RetryAfterSeconds = "5";

    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stoppingSource = new();
    private int _inFlight;
    private volatile bool _stopping;

    /// <summary>
    /// Whether the stop has begun: <c>IHost.StopAsync</c> runs the services' stopping stage before it signals
    /// <see cref="IHostApplicationLifetime.ApplicationStopping"/>, and Ctrl+C or SIGTERM signals it first.
    /// </summary>
    internal bool Stopping => _stopping || lifetime.ApplicationStopping.IsCancellationRequested;

    /// <summary>
    /// Cancelled as the stop begins, before the gate waits for the requests in flight: what a request waits on for longer
    /// than its work (a slot for a model's load) stops waiting on it.
    /// </summary>
    public CancellationToken StoppingToken => _stoppingSource.Token;

    /// <summary>The requests inside the pipeline now, turned away or not.</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // MCP's GET stream lasts as long as its client's session: waiting for it would hold every stop for the whole
        // timeout, so it is left to Kestrel's drain, as before.
        if (!Stopping && HttpMethods.IsGet(context.Request.Method) && context.Request.Path.StartsWithSegments(InferenceServer.McpPath))
        {
            await next(context);
            return;
        }
        // Counted before the look, so a stop that reads no request in flight has already turned this one away.
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (!Stopping)
            {
                await next(context);
                return;
            }
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
            // HTTP/2 has no Connection header; Kestrel's GOAWAY ends those connections.
            if (HttpProtocol.IsHttp10(context.Request.Protocol) || HttpProtocol.IsHttp11(context.Request.Protocol)) context.Response.Headers.Connection = "close";
            await PathErrorBody.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, Code,
                "the service is stopping; try again in a few seconds, once it is back");
        }
        finally
        {
            if (Interlocked.Decrement(ref _inFlight) == 0 && Stopping) _drained.TrySetResult();
        }
    }

    /// <summary>
    /// Turns new requests away and waits for those in flight; the host's shutdown timeout bounds it. Registered after
    /// every other service, this runs first of the stopping stage, so requests sent while the jobs checkpoint are
    /// turned away too.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await _stoppingSource.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _inFlight) == 0) return;
        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Past the shutdown timeout: Kestrel aborts what is left, as it would have. Said, so that an operator who
            // sees clients' errors after a stop learns why from the server's log rather than guessing.
            logger.LogWarning("The stop waited {Seconds:0.#} s, the shutdown timeout, and {Requests} request(s) were still in flight; they are cut off",
                options.ShutdownTimeout.TotalSeconds, InFlight);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stoppingSource.Dispose();
}
