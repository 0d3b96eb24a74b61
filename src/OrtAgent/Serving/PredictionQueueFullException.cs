namespace OrtAgent.Serving;

/// <summary>
/// A model's prediction queue holds as many texts as it may (<see cref="ServingOptions.MaxQueuedTexts"/>): the request
/// is refused at once, where it would have waited behind all of them, so a flood shows as 429s a client can back off
/// from instead of answers that come ever later while the queued bodies fill the server's memory.
/// </summary>
internal sealed class PredictionQueueFullException : Exception
{
    public PredictionQueueFullException(int waiting, int limit, int asked)
        : base($"the prediction queue is full: {(waiting == 1 ? "1 text is" : $"{waiting} texts are")} waiting for the model, at most {limit} may, and this request brings {asked}; try again in a second")
    {
    }

    /// <summary>The seconds a client waits before trying again, sent as <c>Retry-After</c>.</summary>
    public const string RetryAfterSeconds = "1";
}
