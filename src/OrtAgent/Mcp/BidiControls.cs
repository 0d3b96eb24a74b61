namespace OrtAgent.Mcp;

/// <summary>
/// The Unicode bidirectional formatting characters (the embeddings, overrides and isolates, and the marks): invisible,
/// and able to reorder what follows them where a text is shown, so a tool's result never hands one to a client's UI raw.
/// </summary>
internal static class BidiControls
{
    /// <summary>U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069.</summary>
    public const string All = "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069";
}
