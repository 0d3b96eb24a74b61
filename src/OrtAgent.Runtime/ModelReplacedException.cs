namespace OrtAgent.Runtime;

/// <summary>
/// The model a <see cref="TextClassifier"/> loaded was replaced in its directory since (a new export landed there), so a
/// file it opens only on first use, such as <c>explain.onnx</c>, now belongs to another model. The classifier keeps
/// answering with the model it loaded; loading the directory again (a new <see cref="TextClassifier"/>) uses the new
/// one. A host that loads models its own way (a server's reload) words that remedy from <see cref="Problem"/>.
/// </summary>
public sealed class ModelReplacedException : ModelLoadException
{
    /// <param name="modelDirectory">The directory whose model was replaced.</param>
    /// <param name="problem">What was replaced and what that means, naming the directory, without the remedy.</param>
    public ModelReplacedException(string modelDirectory, string problem)
        : base($"{problem}; load the model again (a new TextClassifier from TextClassifier.Load) to use the new one")
    {
        ModelDirectory = modelDirectory;
        Problem = problem;
    }

    /// <summary>The directory whose model was replaced.</summary>
    public string ModelDirectory { get; }

    /// <summary>What was replaced, without the remedy.</summary>
    public string Problem { get; }
}
