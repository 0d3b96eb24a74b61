namespace OrtAgent.Tests.Serving;

/// <summary>What a <see cref="ToyClassifierModel"/> predicts: its labels, and each scoring word's push per label.</summary>
public sealed record ToyModelSpec(string[] Labels, IReadOnlyDictionary<string, float[]> WordScores);
