using OrtAgent.Serving;

namespace OrtAgent.Explanations;

/// <summary>
/// The characters of a text that would steer whatever shows it rather than show there: control characters but tab and
/// line breaks (an escape sequence recoloured or cleared a terminal; ESC and BEL show as nothing in a browser) and the
/// bidirectional controls (U+202E turned the rest of a line around, in a terminal and in a browser alike). An
/// explanation shows each one where it stands, so the words' offsets still fall where they did. Joiners and variation
/// selectors are not among them: emoji are built of them.
/// </summary>
internal static class DisplayControls
{
    /// <summary>Whether <paramref name="c"/> is one of these characters.</summary>
    public static bool Contains(char c) => (char.IsControl(c) && c is not ('\t' or '\n' or '\r')) || BidiControls.Contains(c);
}
