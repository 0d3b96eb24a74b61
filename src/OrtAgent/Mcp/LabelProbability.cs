using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>One label's probability for one text.</summary>
internal sealed record LabelProbability(
    [property: Description("The label.")] string Label,
    [property: Description("Its probability, between 0 and 1.")] float Probability);
