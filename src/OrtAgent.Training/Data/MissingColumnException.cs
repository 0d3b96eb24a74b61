namespace OrtAgent.Data;

/// <summary>
/// A data file has none of the usual names for its text or label column, and no name for it was given. The message
/// lists the names looked for and the file's columns; how to name the column instead is the caller's to add (a program
/// sets <see cref="LabeledTextFileOptions.TextColumn"/> or <see cref="LabeledTextFileOptions.LabelColumn"/>, the command
/// line has flags for them, the fine-tuning service and the MCP tools have no such setting).
/// </summary>
public sealed class MissingColumnException : UserInputException
{
    internal MissingColumnException(string message, ColumnRole role) : base(message) => Role = role;

    /// <summary>Which column is missing.</summary>
    public ColumnRole Role { get; }
}
