namespace OrtAgent.Serving;

/// <summary>
/// The per-text character limit (<c>--max-chars</c>) of every surface that takes texts: <c>/predict</c>, <c>/explain</c>,
/// chat completions and the MCP tools. Characters are code points, as JSON Schema's <c>maxLength</c> (which the MCP
/// tools publish) counts them: an emoji is one, though two UTF-16 units.
/// </summary>
internal static class CharacterLimit
{
    /// <summary>How many characters <paramref name="text"/> has when that is over <paramref name="max"/>, else 0.</summary>
    public static int Excess(string text, int max)
    {
        // No text of at most max UTF-16 units has more than max code points: most texts are answered without counting.
        if (text.Length <= max) return 0;
        int characters = text.EnumerateRunes().Count();
        return characters > max ? characters : 0;
    }
}
