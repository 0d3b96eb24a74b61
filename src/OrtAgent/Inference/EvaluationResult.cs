using OrtAgent.Training.Evaluation;

namespace OrtAgent.Inference;

/// <summary>The outcome of evaluating a model on a labelled file.</summary>
/// <param name="ModelDirectory">The model evaluated.</param>
/// <param name="Data">The file as the user named it.</param>
/// <param name="Report">Accuracy, macro-F1, per-class scores and the confusion matrix, over the model's labels.</param>
/// <param name="Elapsed">Time from loading the model to the last prediction.</param>
/// <param name="Groups">
/// The same scores for each value of the request's group column, ordered by value (ordinal); empty without one.
/// </param>
/// <param name="Cut">How many examples were cut at the model's maximum length.</param>
/// <param name="ErrorsFile">The full path the misclassified examples were written to; <see langword="null"/> when none was asked for.</param>
public sealed record EvaluationResult(
    string ModelDirectory, string Data, ClassificationReport Report, TimeSpan Elapsed, IReadOnlyList<GroupReport> Groups,
    CutTexts Cut, string? ErrorsFile = null);

/// <summary>The scores of the examples whose group column holds <paramref name="Group"/>.</summary>
/// <param name="Group">The column's value, trimmed; empty for rows that leave it blank.</param>
/// <param name="Report">Scores over the model's labels, computed from these examples only.</param>
public sealed record GroupReport(string Group, ClassificationReport Report);
