namespace OrtAgent.Training.Evaluation;

/// <summary>Per-class precision, recall and F1 with the number of true examples of the class.</summary>
public sealed record ClassScores(string Label, double Precision, double Recall, double F1, long Support);
