using OrtAgent.Serving;

namespace OrtAgent.Tests.Commands;

/// <summary>Reports the configured addresses as listening and returns, binding nothing: <c>serve</c>'s start without a server.</summary>
internal sealed class ReportingOnlyService(Action? beforeListening = null) : IServingService
{
    /// <summary>The options of the last server asked for.</summary>
    public ServingOptions? Served { get; private set; }

    public Task ServeAsync(ServingOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken)
    {
        Served = options;
        beforeListening?.Invoke();
        onListening([.. options.Urls]);
        return Task.CompletedTask;
    }

    public Task ServeFineTuningAsync(OrtAgent.FineTuningService.FineTuningServiceOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken) =>
        ServeAsync(options.Serving, onListening, cancellationToken);
}
