using OrtAgent.Training.Evaluation;

namespace OrtAgent.Inference;

/// <summary>The outcome of evaluating a model on a labelled file.</summary>
/// <param name="ModelDirectory">The model evaluated.</param>
/// <param name="Data">The file as the user named it.</param>
/// <param name="Report">Accuracy, macro-F1, per-class scores and the confusion matrix, over the model's labels.</param>
/// <param name="Elapsed">Time from loading the model to the last prediction.</param>
public sealed record EvaluationResult(string ModelDirectory, string Data, ClassificationReport Report, TimeSpan Elapsed);
