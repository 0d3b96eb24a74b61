using System.Text.Json.Serialization;

namespace OrtAgent.Serving;

/// <summary>One entry of a <c>/predict</c> answer: a label and its probability (or logit, with <c>raw_scores</c>).</summary>
internal sealed record LabelScore(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("score")] float Score);
