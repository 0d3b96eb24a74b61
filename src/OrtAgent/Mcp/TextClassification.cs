using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>The classification of one text.</summary>
internal sealed record TextClassification(
    [property: Description("The most likely label.")] string Label,
    [property: Description("Probability of that label, between 0 and 1.")] float Score,
    [property: Description("Every label of the model with its probability, highest first. For single_label models they sum to 1; multi_label models score each label on its own.")] IReadOnlyList<LabelProbability> Probabilities,
    [property: Description("True when the text was longer than the model reads, so only its beginning was classified.")] bool Truncated);
