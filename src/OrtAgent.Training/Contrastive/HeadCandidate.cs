namespace OrtAgent.Training.Contrastive;

/// <summary>One value of the head's C tried on the validation split: its accuracy and mean cross-entropy there.</summary>
public sealed record HeadCandidate(double C, double Accuracy, double Loss);
