namespace OrtAgent.Tests.Serving;

/// <summary>What a <see cref="ToyClassifierModel"/> predicts: its labels, and each scoring word's push per label.</summary>
public sealed record ToyModelSpec(string[] Labels, IReadOnlyDictionary<string, float[]> WordScores)
{
    /// <summary>
    /// The sequence length the graph's inputs fix (static dimensions, as exports for fixed-shape runtimes have); null
    /// for a graph that takes any length.
    /// </summary>
    public int? SequenceLength { get; init; }

    /// <summary>The batch size the graph's inputs fix, as <see cref="SequenceLength"/> fixes the length; null for any.</summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// The max length the model records; null records <see cref="SequenceLength"/>, or 32 for a graph that takes any.
    /// A static export keeps its source's longer record (config.json's 512 over inputs fixed at 128).
    /// </summary>
    public int? RecordedMaxLength { get; init; }

    /// <summary>
    /// Rows of a table the graph slices to the sequence's length and adds one row a token (all zeros, so scores are
    /// unchanged): a length fixed by a constant inside the graph, with inputs that take any, which the position table's
    /// finder does not take for a table (it is sliced, not looked up). A longer text fails inside ONNX Runtime. Null for
    /// no such table.
    /// </summary>
    public int? InnerLengthLimit { get; init; }
}
