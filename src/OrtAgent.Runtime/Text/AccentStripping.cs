using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace OrtAgent.Runtime.Text;

/// <summary>
/// Strips accents as uncased BERT tokenizers do (Hugging Face's <c>strip_accents</c>: Unicode canonical decomposition,
/// NFD, then every non-spacing mark dropped), from a table of the decompositions instead of from
/// <see cref="string.Normalize(NormalizationForm)"/>.
/// </summary>
/// <remarks>
/// .NET normalises through ICU. A process without it (invariant globalization: trimmed, container and edge builds)
/// gets its input back unchanged, so "café" stayed "café" and a model fine-tuned on "cafe" was fed other ids, with no
/// error. The table (<c>AccentStripping.txt</c>, one line per code point whose decomposition, marks dropped, differs
/// from it) was generated from ICU and is checked against it for every code point by the tests; Hangul syllables
/// decompose by Unicode's formula instead, and marks are recognised by .NET's own character data, which needs no ICU.
/// Stripping a whole text equals stripping each code point (<see cref="TryStrip"/>): canonical reordering only moves
/// marks, which are dropped.
/// </remarks>
internal static class AccentStripping
{
    private const string TableResource = "OrtAgent.Runtime.Text.AccentStripping.txt";

    // Nothing below À decomposes canonically and the first non-spacing mark is U+0300, so plain ASCII and Latin-1
    // punctuation pass without a lookup.
    private const int FirstChanging = 0xC0;

    // Unicode's Hangul syllable decomposition (chapter 3.12): leading consonant, vowel, optional trailing consonant.
    private const int SyllableBase = 0xAC00, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int VowelCount = 21, TrailCount = 28, SyllableCount = 19 * VowelCount * TrailCount;

    private static readonly FrozenDictionary<int, string> Decompositions = LoadTable();

    /// <summary>
    /// What <paramref name="rune"/> becomes once decomposed and stripped of non-spacing marks, when that is not the rune
    /// itself: its letters (a Hangul syllable, an accented letter), or nothing (a mark).
    /// </summary>
    public static bool TryStrip(Rune rune, out string stripped)
    {
        stripped = "";
        if (rune.Value < FirstChanging) return false;
        if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark) return true;
        int syllable = rune.Value - SyllableBase;
        if ((uint)syllable < SyllableCount)
        {
            var letters = new StringBuilder(3)
                .Append((char)(LeadBase + syllable / (VowelCount * TrailCount)))
                .Append((char)(VowelBase + syllable % (VowelCount * TrailCount) / TrailCount));
            if (syllable % TrailCount != 0) letters.Append((char)(TrailBase + syllable % TrailCount));
            stripped = letters.ToString();
            return true;
        }
        return Decompositions.TryGetValue(rune.Value, out stripped!);
    }

    /// <summary>Reads lines of hexadecimal code points: the code point, then what it becomes (nothing when it vanishes).</summary>
    private static FrozenDictionary<int, string> LoadTable()
    {
        using var stream = typeof(AccentStripping).Assembly.GetManifestResourceStream(TableResource)
            ?? throw new InvalidOperationException($"the assembly lacks its resource {TableResource}");
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var table = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split(' ');
            var becomes = new StringBuilder();
            foreach (var field in fields.AsSpan(1))
                becomes.Append(char.ConvertFromUtf32(int.Parse(field, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            table.Add(int.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), becomes.ToString());
        }
        return table.ToFrozenDictionary();
    }
}
