using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>What <c>explain_text</c> returns.</summary>
internal sealed record ExplanationResult(
    [property: Description("Name of the model that was explained.")] string Model,
    [property: Description("The label whose score is explained.")] string Label,
    [property: Description("The label the model predicts for the text (the same as 'label' unless another label was asked for).")] string PredictedLabel,
    [property: Description("The model's probability for the explained label, between 0 and 1.")] float Score,
    [property: Description("Words that pushed the model toward the label, strongest first.")] IReadOnlyList<ExplainedWord> WordsFor,
    [property: Description("Words that pushed the model away from the label, strongest first.")] IReadOnlyList<ExplainedWord> WordsAgainst,
    [property: Description("How far the attributions miss the exact change of the label's logit, as a fraction of it; below 0.05 the explanation is faithful.")] double RelativeCompletenessGap,
    [property: Description("The integrated gradients' path points this explanation took, as 'steps' asked (32 when left out).")] int Steps,
    [property: Description("True when the text was longer than the model reads, so its end was neither classified nor explained.")] bool Truncated,
    [property: Description("Set for an int8 model, explained through the fp32 weights it was quantized from: the label and score are then the fp32 model's, and the int8 model's own prediction may differ slightly.")] string? ExplainedWeights = null,
    [property: Description("Set when relative_completeness_gap is above 0.05: the explanation is approximate, and a call with a larger 'steps' would make it more faithful.")] string? Advice = null);
