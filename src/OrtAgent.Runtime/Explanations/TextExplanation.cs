namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// Why the classifier gave a text its score for one label: integrated-gradients attributions per word, and how well
/// they add up (completeness: the attributions should sum to the logit's change from the baseline to the input).
/// </summary>
public sealed class TextExplanation
{
    /// <summary>The explained text, as given.</summary>
    public required string Text { get; init; }

    /// <summary>The label whose logit is explained (the predicted one unless another was asked for).</summary>
    public required string Label { get; init; }

    /// <summary>The label's index in the model's label order.</summary>
    public required int LabelIndex { get; init; }

    /// <summary>The predicted label, from the same logits (equal to <see cref="Label"/> when none was asked for).</summary>
    public required string PredictedLabel { get; init; }

    /// <summary>The words of the text in order, each with its attribution. Words cut off by the maximum length are absent.</summary>
    public required IReadOnlyList<WordAttribution> Words { get; init; }

    /// <summary>The explained label's logit for the input.</summary>
    public required double InputLogit { get; init; }

    /// <summary>The explained label's logit for the baseline.</summary>
    public required double BaselineLogit { get; init; }

    /// <summary>Sum of every token's attribution (the words' plus [CLS]/[SEP], which are zero by construction).</summary>
    public required double AttributionSum { get; init; }

    /// <summary>
    /// <see cref="AttributionSum"/> − (<see cref="InputLogit"/> − <see cref="BaselineLogit"/>): how far the numerical
    /// integral is from the exact change (Captum's convergence delta). It shrinks as <see cref="Steps"/> grows.
    /// </summary>
    public double CompletenessGap => AttributionSum - (InputLogit - BaselineLogit);

    /// <summary>|<see cref="CompletenessGap"/>| / |<see cref="InputLogit"/> − <see cref="BaselineLogit"/>|; 0 when the logit did not change.</summary>
    public double RelativeCompletenessGap =>
        InputLogit == BaselineLogit ? 0 : Math.Abs(CompletenessGap) / Math.Abs(InputLogit - BaselineLogit);

    /// <summary>Every label's probability for the input (softmax of the logits, sigmoid for multi-label models).</summary>
    public required IReadOnlyDictionary<string, float> Probabilities { get; init; }

    /// <summary>Path points used.</summary>
    public required int Steps { get; init; }

    /// <summary>The reference input the path started from; <see cref="BaselineLogit"/> is the model's output for it.</summary>
    public required ExplainBaseline Baseline { get; init; }

    /// <summary>Whether the text was longer than the model's maximum length, so its end was not explained.</summary>
    public required bool Truncated { get; init; }

    /// <summary>
    /// Whether the model is an int8 export, explained through the fp32 weights its <c>explain.onnx</c> was built from
    /// (gradients need them): <see cref="PredictedLabel"/> and <see cref="Probabilities"/> are then the fp32 model's, and
    /// the int8 model's own prediction may differ slightly. False for fp32 models and for exports that do not record
    /// their weights.
    /// </summary>
    public bool ExplainsFloat32OfInt8 { get; init; }
}
