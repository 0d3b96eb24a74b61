namespace OrtAgent.Data;

/// <summary>Reads one file format. Each call opens the file afresh, so a file can be streamed more than once.</summary>
internal interface ILabeledTextReader
{
    /// <summary>Reads only the header and resolves the columns, so that header mistakes show before any work starts.</summary>
    /// <returns>
    /// The names of the text and label columns as the file spells them (no label column when reading text only), and
    /// every column of a CSV or TSV header in order; no columns for JSON Lines, whose objects may each have their own.
    /// </returns>
    (string TextColumn, string? LabelColumn, IReadOnlyList<string>? Columns) ReadHeader();

    /// <summary>
    /// Streams the examples in file order, throwing <see cref="UserInputException"/> at the first bad row. When reading
    /// text only, every example's label is empty.
    /// </summary>
    IEnumerable<LabeledText> ReadExamples();

    /// <summary>Streams the examples as <see cref="ReadExamples"/> does, each with every field of its row.</summary>
    IEnumerable<(LabeledText Example, IReadOnlyList<InputField> Fields)> ReadRows();
}
