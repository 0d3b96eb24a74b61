namespace OrtAgent.Data;

/// <summary>
/// How <see cref="UnlabeledTextFile"/> reads a file of texts to classify: which column holds the text (left
/// <see langword="null"/>, it is detected from the header by its usual names, as <see cref="LabeledTextFile"/> detects
/// it). A name that the file's header lacks is refused naming the option, as <c>UnlabeledTextFileOptions.TextColumn</c>.
/// </summary>
public sealed class UnlabeledTextFileOptions
{
    /// <summary>The header name of the text column (a JSON Lines property's name), or <see langword="null"/> to detect it.</summary>
    public string? TextColumn { get; init; }
}
