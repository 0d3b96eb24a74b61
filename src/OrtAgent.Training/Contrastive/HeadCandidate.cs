namespace OrtAgent.Training.Contrastive;

/// <summary>
/// One value of the head's C that was tried: its accuracy and mean cross-entropy on the validation split, or pooled
/// over the held-out folds of a cross-validation.
/// </summary>
/// <param name="C">The inverse regularization strength tried (scikit-learn's <c>C</c>: larger regularizes less).</param>
/// <param name="Accuracy">The fraction of held-out examples the head fitted with <paramref name="C"/> classified correctly.</param>
/// <param name="Loss">The mean cross-entropy of those held-out examples under that head.</param>
public sealed record HeadCandidate(double C, double Accuracy, double Loss);
