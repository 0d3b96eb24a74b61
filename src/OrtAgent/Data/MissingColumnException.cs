namespace OrtAgent.Data;

/// <summary>The column a data reader looks for by its usual names.</summary>
public enum ColumnRole
{
    Text,
    Label,
}

/// <summary>
/// A data file has none of the usual names for its text or label column. The message lists the names looked for and the
/// file's columns; how a user names the column instead (a CLI flag) is the caller's to add, since the fine-tuning service
/// and the MCP tools have no such option.
/// </summary>
public sealed class MissingColumnException(string message, ColumnRole role) : UserInputException(message)
{
    /// <summary>Which column is missing.</summary>
    public ColumnRole Role { get; } = role;
}
