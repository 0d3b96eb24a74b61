using System.ComponentModel;

namespace OrtAgent.Mcp;

/// <summary>One word of an explained text and its attribution.</summary>
internal sealed record ExplainedWord(
    [property: Description("The word as it appears in the text.")] string Word,
    [property: Description("Where the word starts in the text, in UTF-16 code units (as .NET and JavaScript index strings): a character beyond U+FFFF, such as an emoji, counts 2, and Python's str index differs after one.")] int Start,
    [property: Description("Its contribution to the label's logit: positive toward the label, negative away from it.")] double Attribution);
