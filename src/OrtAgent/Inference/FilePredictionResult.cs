namespace OrtAgent.Inference;

/// <summary>What a file prediction did.</summary>
/// <param name="Output">The full path of the written file.</param>
/// <param name="Texts">How many texts were classified (one output row each).</param>
/// <param name="Elapsed">Time from loading the model to renaming the output into place.</param>
/// <param name="Cut">How many texts were cut at the model's maximum length.</param>
public sealed record FilePredictionResult(string Output, long Texts, TimeSpan Elapsed, CutTexts Cut);
