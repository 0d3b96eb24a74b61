using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>The predictions for texts given directly, in their order, and how many of them were cut at the model's maximum length.</summary>
public sealed record TextPredictions(IReadOnlyList<Prediction> Predictions, CutTexts Cut);
