namespace OrtAgent.Data;

/// <summary>A row of a file to classify, with every field it holds (its text's among them), in the file's order.</summary>
/// <param name="Text">The text to classify; never empty or only whitespace.</param>
/// <param name="Line">The 1-based line of the file where the row starts, for error messages.</param>
/// <param name="Fields">Every field of the row: a CSV or TSV row's columns in header order, a JSON object's properties in its order.</param>
public sealed record InputRow(string Text, long Line, IReadOnlyList<InputField> Fields);
