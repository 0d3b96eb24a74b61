namespace OrtAgent.Serving;

/// <summary>
/// The Unicode bidirectional formatting characters (the embeddings, overrides and isolates, and the marks): invisible,
/// and able to reorder what follows them where a text is shown: a tool's result never hands one to a client's UI raw,
/// and a stored file's name may not hold one (U+202E shows "txt.exe" as "exe.txt").
/// </summary>
internal static class BidiControls
{
    /// <summary>U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069.</summary>
    public const string All = "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069";

    /// <summary>Whether <paramref name="c"/> is one of <see cref="All"/>.</summary>
    public static bool Contains(char c) => All.Contains(c);
}
