namespace OrtAgent.Serving;

/// <summary>Serves an exported model over HTTP until told to stop: the work behind <c>ortagent serve</c>.</summary>
public interface IServingService
{
    /// <summary>
    /// Validates <paramref name="options"/>, loads the model, starts listening, reports the bound addresses to
    /// <paramref name="onListening"/> and serves until <paramref name="cancellationToken"/> fires; then drains the
    /// requests in flight and returns.
    /// </summary>
    /// <exception cref="InvalidOptionException">An option cannot work; it names the <see cref="ServingOptions"/> property.</exception>
    /// <exception cref="Runtime.ModelLoadException">The model directory cannot be served.</exception>
    /// <exception cref="Runtime.DeviceUnavailableException">The device asked for cannot be used.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the server started listening.</exception>
    Task ServeAsync(ServingOptions options, Action<IReadOnlyCollection<string>> onListening, CancellationToken cancellationToken);
}
