namespace OrtAgent.Data;

/// <summary>One labelled example read from a data file.</summary>
/// <param name="Text">The text to classify; never empty or only whitespace.</param>
/// <param name="Label">The class label, trimmed; never empty. Integer labels in JSON arrive as their decimal string.</param>
/// <param name="Line">The 1-based line of the file where the example starts, for error messages.</param>
public readonly record struct LabeledText(string Text, string Label, long Line);
