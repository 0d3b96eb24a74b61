namespace OrtAgent.Data;

/// <summary>One text to classify, read from a data file.</summary>
/// <param name="Text">The text; never empty or only whitespace.</param>
/// <param name="Line">The 1-based line of the file where the text starts, for error messages.</param>
public readonly record struct UnlabeledText(string Text, long Line);
