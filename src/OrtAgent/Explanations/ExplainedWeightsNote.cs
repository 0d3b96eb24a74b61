namespace OrtAgent.Explanations;

/// <summary>
/// What every front end says of an int8 model's explanation (<see cref="Runtime.Explanations.TextExplanation.ExplainsFloat32OfInt8"/>):
/// its gradients ran through the fp32 weights the model was quantized from, so the label and score shown are the fp32
/// model's, which <c>predict</c> on the int8 model may give slightly otherwise.
/// </summary>
internal static class ExplainedWeightsNote
{
    /// <summary>The value of the JSON answer's and the MCP result's <c>explained_weights</c>.</summary>
    public const string Value = "fp32 (this int8 model's own prediction may differ slightly)";

    /// <summary>The note beside the label and score, on the console and on the HTML page.</summary>
    public const string Sentence = "explained with the fp32 weights; this int8 model's own prediction may differ slightly";
}
