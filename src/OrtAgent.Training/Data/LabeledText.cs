namespace OrtAgent.Data;

/// <summary>One labelled example: read from a data file, or given in memory (its line then the example's 1-based position).</summary>
/// <param name="Text">The text to classify; never empty or only whitespace.</param>
/// <param name="Label">The class label, trimmed; never empty. Integer labels in JSON arrive as their decimal string.</param>
/// <param name="Line">The 1-based line of the file where the example starts, for error messages.</param>
/// <param name="Group">
/// The value of the group column a data file is read with, trimmed (empty when the row leaves it blank);
/// <see langword="null"/> when no group column is read.
/// </param>
public readonly record struct LabeledText(string Text, string Label, long Line, string? Group = null);
