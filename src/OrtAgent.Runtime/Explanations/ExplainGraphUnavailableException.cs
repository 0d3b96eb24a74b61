namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// A model that cannot be explained as it stands: it has no <c>explain.onnx</c>, or one that is not an explain graph or
/// scores another number of labels. The message says what is wrong (<see cref="Problem"/>) and what to do, in the
/// libraries' terms; a host that offers the remedy another way (a command) rebuilds its line from <see cref="Problem"/>,
/// <see cref="Remedy"/> and <see cref="ModelDirectory"/>.
/// </summary>
public sealed class ExplainGraphUnavailableException : ModelLoadException
{
    /// <param name="modelDirectory">The model directory that needs the graph.</param>
    /// <param name="problem">What is wrong, naming the file or directory, e.g. <c>DIR: no explain.onnx</c>.</param>
    /// <param name="remedy">How the directory gets a graph that fits.</param>
    /// <param name="inner">The failure that showed it, if any.</param>
    public ExplainGraphUnavailableException(string modelDirectory, string problem, ExplainGraphRemedy remedy, Exception? inner = null)
        : base($"{problem}; {Say(remedy, modelDirectory)}", inner)
    {
        ModelDirectory = modelDirectory;
        Problem = problem;
        Remedy = remedy;
    }

    /// <summary>The model directory that needs the graph.</summary>
    public string ModelDirectory { get; }

    /// <summary>What is wrong, without the remedy.</summary>
    public string Problem { get; }

    /// <summary>How the directory gets a graph that fits.</summary>
    public ExplainGraphRemedy Remedy { get; }

    /// <summary>The remedy as the libraries do it, for <paramref name="modelDirectory"/>: the end of <see cref="Exception.Message"/>.</summary>
    public static string Say(ExplainGraphRemedy remedy, string modelDirectory) => remedy switch
    {
        ExplainGraphRemedy.Add => $"add it with ModelExporter.AddExplainGraph (OrtAgent.Training) on {modelDirectory}",
        ExplainGraphRemedy.Rebuild => $"rebuild it with ModelExporter.AddExplainGraph (OrtAgent.Training) on {modelDirectory}",
        ExplainGraphRemedy.ExportAgainFromCheckpoint => "re-export it from its checkpoint (ModelExporter.Export with ExportOptions.QuantizeInt8, " +
            "in OrtAgent.Training), which writes explain.onnx from them",
        _ => throw new ArgumentOutOfRangeException(nameof(remedy), remedy, null),
    };
}
