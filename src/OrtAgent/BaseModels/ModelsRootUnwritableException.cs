namespace OrtAgent.BaseModels;

/// <summary>
/// A packaged base model that is not pulled cannot be extracted, since its folder under the models root cannot be
/// written (a read-only root, a file in the way). Its message is the command line's line, naming the folder and the
/// setting that chose the root; a host whose callers neither chose the root nor can write in it (the fine-tuning
/// service) names the base by <see cref="BaseModelName"/> and gives its operator's remedy.
/// </summary>
internal sealed class ModelsRootUnwritableException(string message, string baseModelName, Exception inner) : UserInputException(message, inner)
{
    /// <summary>The packaged base that could not be extracted (<c>minilm</c>).</summary>
    public string BaseModelName { get; } = baseModelName;
}
