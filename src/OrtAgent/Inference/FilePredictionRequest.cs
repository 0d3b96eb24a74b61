namespace OrtAgent.Inference;

/// <summary>A file of texts to classify and where to write the predictions.</summary>
/// <param name="Input">A CSV, TSV or JSON Lines file; labels in it, if any, are ignored.</param>
/// <param name="Output">
/// A <c>.csv</c>, <c>.tsv</c> or <c>.jsonl</c> file, in an existing directory: each input row's columns, then its label and score
/// (see <see cref="PredictionColumns"/>).
/// </param>
/// <param name="TextColumn">The input's text column; <see langword="null"/> to detect it as the data readers do.</param>
/// <param name="Top">
/// With <c>--top K</c>, K: each row has the K most probable labels and their probabilities, highest first (see
/// <see cref="PredictionColumns.Top"/>); <see langword="null"/> for the label alone.
/// </param>
public sealed record FilePredictionRequest(string Input, string Output, string? TextColumn = null, int? Top = null);
