namespace OrtAgent.Data;

/// <summary>
/// How <see cref="LabeledTextFile"/> reads a data file: which columns hold the text and the label (left
/// <see langword="null"/>, each is detected from the header by its usual names), an optional group column, and the
/// labels the examples must carry. A name that the file's header lacks is refused naming the option, as
/// <c>LabeledTextFileOptions.TextColumn</c>.
/// </summary>
public sealed class LabeledTextFileOptions
{
    /// <summary>The header name of the text column (a JSON Lines property's name), or <see langword="null"/> to detect it.</summary>
    public string? TextColumn { get; init; }

    /// <summary>The header name of the label column (a JSON Lines property's name), or <see langword="null"/> to detect it.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>
    /// The header name of a column to report results by, such as the source or date of each example, read into
    /// <see cref="LabeledText.Group"/>; <see langword="null"/> to read none. Never detected: only the column named is read.
    /// </summary>
    public string? GroupColumn { get; init; }

    /// <summary>
    /// The labels every example must carry, such as the training data's when reading a validation file, or a model's
    /// (<see cref="LabelSet.FromJson"/>) when reading data to evaluate it on; <see langword="null"/> to accept any label.
    /// An example with another label is refused naming its file, line and the labels expected.
    /// </summary>
    public LabelSet? Labels { get; init; }

    /// <summary>
    /// True when the file is read to evaluate a model on, not to train one: labels typed two ways (<c>Spam</c>, <c>spam</c>)
    /// are refused for what they would do to the scores, as nothing is trained on them.
    /// </summary>
    public bool ForEvaluation { get; init; }

    /// <summary>
    /// Resolve and read only the text column, ignoring any label column (set by <see cref="UnlabeledTextFile"/>):
    /// a file to classify may or may not carry labels.
    /// </summary>
    internal bool TextOnly { get; init; }
}
