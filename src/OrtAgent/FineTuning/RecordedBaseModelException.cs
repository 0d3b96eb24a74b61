namespace OrtAgent.FineTuning;

/// <summary>
/// The base model a run's artifacts record cannot be opened again to export or resume them: its folder is gone, or a
/// file it needs is missing or unreadable. Its message is the command line's line; a host that words it otherwise (the
/// fine-tuning service, which names a base by its name and never the server's folders) takes <see cref="Problem"/>,
/// which names the base's folder by <see cref="Directory"/> alone, so that one replacement words it.
/// </summary>
internal sealed class RecordedBaseModelException(string message, string directory, string problem, Exception? inner = null)
    : UserInputException(message, inner)
{
    /// <summary>The folder the artifacts record as their base, a full path.</summary>
    public string Directory { get; } = directory;

    /// <summary>What is wrong with the base, without the artifacts' folder, naming the base's folder as <see cref="Directory"/>.</summary>
    public string Problem { get; } = problem;
}
