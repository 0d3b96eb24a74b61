namespace OrtAgent.Data;

/// <summary>Reads one file format. Each call opens the file afresh, so a file can be streamed more than once.</summary>
internal interface ILabeledTextReader
{
    /// <summary>Reads only the header and resolves the columns, so that header mistakes show before any work starts.</summary>
    /// <returns>The names of the text and label columns as the file spells them; no label column when reading text only.</returns>
    (string TextColumn, string? LabelColumn) ReadHeader();

    /// <summary>
    /// Streams the examples in file order, throwing <see cref="UserInputException"/> at the first bad row. When reading
    /// text only, every example's label is empty.
    /// </summary>
    IEnumerable<LabeledText> ReadExamples();
}
