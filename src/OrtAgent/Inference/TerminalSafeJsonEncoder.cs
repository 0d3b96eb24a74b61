using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace OrtAgent.Inference;

/// <summary>
/// The encoder of the JSON OrtAgent writes for people and terminals (<c>--json</c> output, the HTTP bodies that carry
/// users' texts and labels): <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>, which keeps accents, quotes,
/// <c>&lt;</c> and <c>&amp;</c> readable, with every invisible control escaped as <c>\uXXXX</c> besides: format
/// characters (Unicode category Cf: U+202E and the other bidirectional controls, zero-width characters, tags), other
/// controls (U+007F to U+009F) and the line and paragraph separators. The relaxed encoder wrote those as they were, so
/// a text or label holding U+202E turned the rest of a JSON line around in the terminal that showed it (Trojan Source),
/// where every message quotes such a text with '?' for them (<c>PrintableText.Quote</c>). Inside a JSON string the
/// escape means the same character, so the JSON is the same. Characters beyond U+FFFF that show (emoji), which the
/// relaxed encoder escaped as surrogate pairs, are written as they are.
/// </summary>
/// <remarks>
/// A stricter stock encoder (<see cref="JavaScriptEncoder.Default"/>, or one made for all of Unicode) escapes these too,
/// but also <c>&lt;</c>, <c>&amp;</c>, <c>'</c> and, for the default, every letter beyond ASCII. Subclassing
/// <see cref="JavaScriptEncoder"/> needs pointers in two overrides; both hand the work to spans at once.
/// </remarks>
internal sealed class TerminalSafeJsonEncoder : JavaScriptEncoder
{
    /// <summary>The one instance; it holds no state.</summary>
    public static readonly TerminalSafeJsonEncoder Instance = new();

    private static readonly JavaScriptEncoder Relaxed = UnsafeRelaxedJsonEscaping;

    private TerminalSafeJsonEncoder() { }

    /// <summary>
    /// Whether <paramref name="scalar"/> is escaped here where the relaxed encoder would write it as it is: a format
    /// character, a control or a line or paragraph separator, none of which a terminal shows as a glyph.
    /// </summary>
    public static bool IsInvisibleControl(int scalar) =>
        Rune.IsValid(scalar) && Rune.GetUnicodeCategory(new Rune(scalar)) is UnicodeCategory.Format or UnicodeCategory.Control
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    public override int MaxOutputCharactersPerInputCharacter => Math.Max(Relaxed.MaxOutputCharactersPerInputCharacter, 6);

    public override bool WillEncode(int unicodeScalar) =>
        IsInvisibleControl(unicodeScalar) || (Relaxed.WillEncode(unicodeScalar) && !IsShownBeyondBmp(unicodeScalar));

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var whole = new ReadOnlySpan<char>(text, textLength);
        for (int start = 0; ;)
        {
            int relaxed = Relaxed.FindFirstCharacterToEncode(text + start, textLength - start);
            int control = FirstInvisibleControl(whole[start..(relaxed < 0 ? textLength : start + relaxed)]);
            if (control >= 0) return start + control;
            if (relaxed < 0) return -1;
            // The relaxed encoder stops at every surrogate pair; one whose character shows is passed over.
            int at = start + relaxed;
            if (Rune.DecodeFromUtf16(whole[at..], out var rune, out int used) != OperationStatus.Done || used != 2 || !IsShownBeyondBmp(rune.Value))
                return at;
            start = at + used;
        }
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        for (int start = 0; ;)
        {
            var rest = utf8Text[start..];
            int relaxed = Relaxed.FindFirstCharacterToEncodeUtf8(rest);
            var before = relaxed < 0 ? rest : rest[..relaxed];
            // Printable ASCII, most of any text, is passed over at once.
            for (int i = before.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E); i >= 0 && i < before.Length;)
            {
                Rune.DecodeFromUtf8(before[i..], out var character, out int length);
                if (IsInvisibleControl(character.Value)) return start + i;
                i += length;
            }
            if (relaxed < 0) return -1;
            if (Rune.DecodeFromUtf8(rest[relaxed..], out var rune, out int used) != OperationStatus.Done || !IsShownBeyondBmp(rune.Value))
                return start + relaxed;
            start += relaxed + used;
        }
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (IsShownBeyondBmp(unicodeScalar))
        {
            numberOfCharactersWritten = 0;
            if (bufferLength < 2) return false;
            numberOfCharactersWritten = new Rune(unicodeScalar).EncodeToUtf16(new Span<char>(buffer, bufferLength));
            return true;
        }
        // C0 controls keep the relaxed encoder's short forms (\n, \t).
        if (unicodeScalar < 0x20 || !IsInvisibleControl(unicodeScalar))
            return Relaxed.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        return TryEscape(new Rune(unicodeScalar), new Span<char>(buffer, bufferLength), out numberOfCharactersWritten);
    }

    /// <summary>
    /// Whether <paramref name="scalar"/> is a character beyond U+FFFF that a terminal shows as a glyph (an emoji, a rare
    /// CJK ideograph), written as it is where the relaxed encoder escaped every such character as a surrogate pair's two
    /// <c>\uXXXX</c>: not a format character (the tags), not private use, not unassigned. Half a pair alone is no
    /// character and stays escaped.
    /// </summary>
    private static bool IsShownBeyondBmp(int scalar) =>
        scalar > 0xFFFF && Rune.IsValid(scalar) && !IsInvisibleControl(scalar)
        && Rune.GetUnicodeCategory(new Rune(scalar)) is not (UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned);

    private static int FirstInvisibleControl(ReadOnlySpan<char> text)
    {
        for (int i = text.IndexOfAnyExceptInRange(' ', '~'); i >= 0 && i < text.Length;)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out int used);
            if (IsInvisibleControl(rune.Value)) return i;
            i += used;
        }
        return -1;
    }

    // \uXXXX for each UTF-16 unit: two for a character beyond U+FFFF (a tag character), as JSON spells those.
    private static bool TryEscape(Rune rune, Span<char> destination, out int written)
    {
        Span<char> units = stackalloc char[2];
        int count = rune.EncodeToUtf16(units);
        written = 0;
        if (destination.Length < 6 * count) return false;
        foreach (char unit in units[..count])
        {
            ((int)unit).TryFormat(destination[(written + 2)..], out _, "X4", CultureInfo.InvariantCulture);
            destination[written] = '\\';
            destination[written + 1] = 'u';
            written += 6;
        }
        return true;
    }
}
