using Microsoft.Extensions.Logging;

namespace OrtAgent.Serving;

/// <summary>
/// Runs <see cref="InferenceServer"/> for <c>ortagent serve</c>: request and batch lines go to the console, one line
/// each; cancellation (Ctrl+C, SIGTERM) once listening is the normal way to stop and drains requests in flight.
/// </summary>
internal sealed class ServingService : IServingService
{
    public async Task ServeAsync(ServingOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken)
    {
        await using var app = await InferenceServer.BuildAsync(options, ConfigureLogging, cancellationToken).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
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
        logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("OrtAgent.Serving", LogLevel.Information);
}
