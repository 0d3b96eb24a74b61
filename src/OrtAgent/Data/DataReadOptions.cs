namespace OrtAgent.Data;

/// <summary>
/// Which columns of a data file hold the text and the label. Left <see langword="null"/>, a column is
/// detected from the header by its name (see <see cref="LabeledTextFile"/>).
/// </summary>
public sealed class DataReadOptions
{
    /// <summary>The header name of the text column (<c>--text-column</c>), or <see langword="null"/> to detect it.</summary>
    public string? TextColumn { get; init; }

    /// <summary>The header name of the label column (<c>--label-column</c>), or <see langword="null"/> to detect it.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>
    /// The header name of a column to report results by (<c>eval --by</c>), such as the source or date of each
    /// example, or <see langword="null"/> to read none. Never detected: only the column named is read.
    /// </summary>
    public string? GroupColumn { get; init; }

    /// <summary>
    /// Resolve and read only the text column, ignoring any label column (set by <see cref="UnlabeledTextFile"/>):
    /// a file to classify may or may not carry labels.
    /// </summary>
    internal bool TextOnly { get; init; }
}
