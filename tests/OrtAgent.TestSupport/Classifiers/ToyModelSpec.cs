namespace OrtAgent.Tests.Serving;

/// <summary>What a <see cref="ToyClassifierModel"/> predicts: its labels, and each scoring word's push per label.</summary>
public sealed record ToyModelSpec(string[] Labels, IReadOnlyDictionary<string, float[]> WordScores)
{
    /// <summary>
    /// The sequence length the graph's inputs fix (static dimensions, as exports for fixed-shape runtimes have), which
    /// the model also records as its max length; null for a graph that takes any length and records 32.
    /// </summary>
    public int? SequenceLength { get; init; }
}
