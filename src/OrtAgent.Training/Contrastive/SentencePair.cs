namespace OrtAgent.Training.Contrastive;

/// <summary>Two examples of a data set, by index, and whether they share a label.</summary>
public readonly record struct SentencePair(int First, int Second, bool Positive);
