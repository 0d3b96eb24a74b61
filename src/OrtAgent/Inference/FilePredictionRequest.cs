namespace OrtAgent.Inference;

/// <summary>A file of texts to classify and where to write the predictions.</summary>
/// <param name="Input">A CSV, TSV or JSON Lines file; labels in it, if any, are ignored.</param>
/// <param name="Output">A <c>.csv</c> (text,label,score) or <c>.jsonl</c> file, in an existing directory.</param>
/// <param name="TextColumn">The input's text column; <see langword="null"/> to detect it as the data readers do.</param>
public sealed record FilePredictionRequest(string Input, string Output, string? TextColumn = null);
