using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OrtAgent.Serving;

/// <summary>
/// Runs <see cref="InferenceServer"/> for <c>ortagent serve</c>: request and batch lines go to the console, one line
/// each; an address in use is a user error (<see cref="ServerStartup"/>); cancellation (Ctrl+C, SIGTERM) once listening
/// is the normal way to stop and drains requests in flight.
/// </summary>
internal sealed class ServingService(BaseModels.IBaseModelResolver baseModels) : IServingService
{
    public async Task ServeAsync(ServingOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken)
    {
        await using var app = await InferenceServer.BuildAsync(options, logging => ConfigureLogging(logging, options), cancellationToken).ConfigureAwait(false);
        await RunAsync(app, options.Urls, onListening, cancellationToken).ConfigureAwait(false);
    }

    public async Task ServeFineTuningAsync(FineTuningService.FineTuningServiceOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken)
    {
        await using var app = FineTuningService.FineTuningServer.Build(options, baseModels, logging => ConfigureLogging(logging, options.Serving));
        // A start refused after the store was opened (a port taken since the build checked it) leaves no new store behind.
        await RunAsync(app, options.Serving.Urls, onListening, cancellationToken,
            onStartFailed: () => FineTuningService.FineTuningServer.AbandonFailedStartAsync(app.Services)).ConfigureAwait(false);
    }

    private static async Task RunAsync(Microsoft.AspNetCore.Builder.WebApplication app, IReadOnlyList<string> urls, Action<IReadOnlyCollection<string>> onListening,
        CancellationToken cancellationToken, Func<Task>? onStartFailed = null)
    {
        try
        {
            await ServerStartup.StartAsync(app, urls, cancellationToken).ConfigureAwait(false);
        }
        catch when (onStartFailed is not null)
        {
            await onStartFailed().ConfigureAwait(false);
            throw;
        }
        onListening([.. app.Urls]);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop: drain what is in flight below, then return normally.
        }
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The stamp each log line starts with: UTC, ISO 8601, to the millisecond.</summary>
    internal const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";

    private static void ConfigureLogging(ILoggingBuilder logging, ServingOptions options)
    {
        if (!options.Log) return;
        bool timestamps = options.LogTimestamps;
        logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                if (!timestamps) return;
                o.TimestampFormat = TimestampFormat;
                o.UseUtcTimestamp = true;
            }).SetMinimumLevel(LogLevel.Warning)
            .AddFilter("OrtAgent.Serving", LogLevel.Information)
            .AddFilter("OrtAgent.FineTuningService", LogLevel.Information)
            // The /mcp tools' own lines (a cancelled call, an unknown tool or method), as `ortagent mcp` writes them.
            .AddFilter("OrtAgent.Mcp", LogLevel.Information)
            // A failed start is reported once, as the command's error line, not also as a logged stack trace.
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        Mcp.CancelledRequestLogFilter.WrapConsole(logging);
    }
}
