using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>One word of an explained text and its attribution.</summary>
internal sealed record ExplainedWord(
    [property: Description("The word as it appears in the text.")] string Word,
    [property: Description("Index of the word's first character in the text.")] int Start,
    [property: Description("Its contribution to the label's logit: positive toward the label, negative away from it.")] double Attribution);
