namespace OrtAgent.Training.Contrastive;

/// <summary>Two examples of a data set, by index, and whether they share a label.</summary>
/// <param name="First">The index of the first example in the data set the pairs were drawn from.</param>
/// <param name="Second">The index of its partner in the same data set.</param>
/// <param name="Positive">True when the two examples share a label (a positive pair), false when their labels differ.</param>
public readonly record struct SentencePair(int First, int Second, bool Positive);
