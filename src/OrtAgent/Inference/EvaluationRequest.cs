namespace OrtAgent.Inference;

/// <summary>A labelled file to evaluate a model on.</summary>
/// <param name="Data">A CSV, TSV or JSON Lines file with a text and a label column.</param>
/// <param name="TextColumn">The text column; <see langword="null"/> to detect it.</param>
/// <param name="LabelColumn">The label column; <see langword="null"/> to detect it.</param>
/// <param name="GroupColumn">
/// A column to break the scores down by (<c>--by</c>), such as each example's source; <see langword="null"/> for none.
/// </param>
/// <param name="ErrorsOutput">A <c>.csv</c> or <c>.jsonl</c> file to write the misclassified examples to (<c>--errors</c>); <see langword="null"/> for none.</param>
public sealed record EvaluationRequest(
    string Data, string? TextColumn = null, string? LabelColumn = null, string? GroupColumn = null, string? ErrorsOutput = null);
