using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>What <c>classify_text</c> returns.</summary>
internal sealed record ClassificationResult(
    [property: Description("Name of the model that classified the texts.")] string Model,
    [property: Description("One result per input text, in the order the texts were given.")] IReadOnlyList<TextClassification> Results);
