namespace OrtAgent.Runtime;

/// <summary>The classifier's answer for one text: the top label, its score, and every label's probability.</summary>
public sealed record Prediction(string Label, float Score, IReadOnlyDictionary<string, float> Probabilities);
