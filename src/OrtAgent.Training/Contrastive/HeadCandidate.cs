namespace OrtAgent.Training.Contrastive;

/// <summary>
/// One value of the head's C that was tried: its accuracy and mean cross-entropy on the validation split, or pooled
/// over the held-out folds of a cross-validation.
/// </summary>
public sealed record HeadCandidate(double C, double Accuracy, double Loss);
