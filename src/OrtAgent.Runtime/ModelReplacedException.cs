namespace OrtAgent.Runtime;

/// <summary>
/// The model a <see cref="TextClassifier"/> loaded was replaced in its directory since (a new export landed there), so a
/// file it opens only on first use, such as <c>explain.onnx</c>, now belongs to another model; or it was removed (its
/// directory deleted or moved, <see cref="Removed"/>), so that file is gone with it. The classifier keeps answering
/// with the model it loaded; loading the directory again (a new <see cref="TextClassifier"/>) uses the new one. A host
/// that loads models its own way (a server's reload) words that remedy from <see cref="Problem"/>.
/// </summary>
public sealed class ModelReplacedException : ModelLoadException
{
    /// <param name="modelDirectory">The directory whose model was replaced.</param>
    /// <param name="problem">What was replaced and what that means, naming the directory, without the remedy.</param>
    /// <param name="removed">True when <c>model.onnx</c> is no longer there at all, rather than another one in its place.</param>
    public ModelReplacedException(string modelDirectory, string problem, bool removed = false)
        : base(removed
            ? $"{problem}; put the model back, or load the one that is to be used (a new TextClassifier from TextClassifier.Load)"
            : $"{problem}; load the model again (a new TextClassifier from TextClassifier.Load) to use the new one")
    {
        ModelDirectory = modelDirectory;
        Problem = problem;
        Removed = removed;
    }

    /// <summary>The directory whose model was replaced, or removed (<see cref="Removed"/>).</summary>
    public string ModelDirectory { get; }

    /// <summary>What was replaced, or removed (<see cref="Removed"/>), and what that means, without the remedy.</summary>
    public string Problem { get; }

    /// <summary>
    /// True when the directory has no <c>model.onnx</c> any more (deleted or moved), so there is no new model to load
    /// there; false when another model was written in its place.
    /// </summary>
    public bool Removed { get; }
}
