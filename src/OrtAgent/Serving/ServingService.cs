using Microsoft.Extensions.Logging;

namespace OrtAgent.Serving;

/// <summary>
/// Runs <see cref="InferenceServer"/> for <c>ortagent serve</c>: request and batch lines go to the console, one line
/// each; an address in use is a user error (<see cref="ServerStartup"/>); cancellation (Ctrl+C, SIGTERM) once listening
/// is the normal way to stop and drains requests in flight.
/// </summary>
internal sealed class ServingService : IServingService
{
    public async Task ServeAsync(ServingOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken)
    {
        await using var app = await InferenceServer.BuildAsync(options, ConfigureLogging, cancellationToken).ConfigureAwait(false);
        await ServerStartup.StartAsync(app, options.Urls, cancellationToken).ConfigureAwait(false);
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

    private static void ConfigureLogging(ILoggingBuilder logging) =>
        logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            .AddFilter("OrtAgent.Serving", LogLevel.Information)
            // A failed start is reported once, as the command's error line, not also as a logged stack trace.
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
}
