namespace OrtAgent.FineTuning;

/// <summary>
/// The base model a run trains on cannot be opened: the one a resumed run's artifacts record (<see cref="RecordedBaseModel"/>),
/// the folder a new run was given (opened by <see cref="TrainingJob"/>), or a packaged base's pulled copy (checked by
/// <see cref="BaseModels.BaseModelStore"/>); its folder is gone, or a file it needs is missing or unreadable. Its message is the command line's line; a host that words it otherwise (the fine-tuning
/// service, which names a base by its name and never the server's folders) takes <see cref="Problem"/>, which names the
/// base's folder by <see cref="Directory"/> alone, so that one replacement words it.
/// </summary>
internal sealed class BaseModelUnavailableException(string message, string directory, string problem, Exception? inner = null)
    : UserInputException(message, inner)
{
    /// <summary>The base's folder, a full path.</summary>
    public string Directory { get; } = directory;

    /// <summary>What is wrong with the base, naming its folder as <see cref="Directory"/>.</summary>
    public string Problem { get; } = problem;

    /// <summary>
    /// The base at <paramref name="directory"/> gone, or its opening refused (<paramref name="refusal"/>), said as
    /// <paramref name="message"/>.
    /// </summary>
    public static BaseModelUnavailableException Opening(string directory, Exception refusal, string message)
    {
        string fullPath = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(fullPath)) return new(message, fullPath, Gone(fullPath), refusal);
        // BaseModel.Open names the folder as "base model directory '…'" before what is wrong: the problem names it by its path alone.
        string opening = $"base model directory '{fullPath}'";
        string problem = refusal.Message.StartsWith(opening, StringComparison.Ordinal) ? fullPath + refusal.Message[opening.Length..] : refusal.Message;
        return new(message, fullPath, problem, refusal);
    }

    /// <summary>The problem of a base whose folder is no longer there.</summary>
    public static string Gone(string fullPath) => $"{fullPath}: its folder is gone";
}
