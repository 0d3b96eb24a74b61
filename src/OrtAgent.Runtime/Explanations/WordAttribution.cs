namespace OrtAgent.Runtime.Explanations;

/// <summary>
/// One word of the explained text and its share of the explained logit: the integrated-gradients attributions of its
/// WordPiece tokens, summed. Positive values pushed the logit up (toward the label), negative ones down.
/// </summary>
/// <param name="Text">The word as it appears in the original text (case and accents kept).</param>
/// <param name="Start">Index of the word's first character in the original text (UTF-16 code units).</param>
/// <param name="Length">The word's length in the original text (UTF-16 code units).</param>
/// <param name="Attribution">Summed attribution, in logit units.</param>
public sealed record WordAttribution(string Text, int Start, int Length, double Attribution);
