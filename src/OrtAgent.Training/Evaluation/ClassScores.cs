namespace OrtAgent.Training.Evaluation;

/// <summary>Per-class precision, recall and F1 with the number of true examples of the class.</summary>
/// <param name="Label">The class's label.</param>
/// <param name="Precision">Of the examples predicted as this class, the fraction that are of it (0 when none was predicted as it).</param>
/// <param name="Recall">Of the examples of this class, the fraction predicted as it (0 when there is none).</param>
/// <param name="F1">The harmonic mean of <paramref name="Precision"/> and <paramref name="Recall"/> (0 when both are 0).</param>
/// <param name="Support">How many examples of the evaluated set are of this class.</param>
public sealed record ClassScores(string Label, double Precision, double Recall, double F1, long Support);
