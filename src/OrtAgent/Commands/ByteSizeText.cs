using System.Globalization;
using System.Text.RegularExpressions;

namespace OrtAgent.Commands;

/// <summary>
/// A size given on the command line: a whole number of bytes, or of KiB, MiB, GiB or TiB with the suffix K, M, G or T
/// (<c>20G</c>; a trailing <c>B</c> or <c>iB</c> is also read, so <c>20GB</c> and <c>20GiB</c> are the same 20 GiB).
/// </summary>
internal static partial class ByteSizeText
{
    [GeneratedRegex(@"^\s*(\d+)\s*([KMGT]?)(?:I?B)?\s*\z", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    /// <summary>The bytes <paramref name="text"/> says, for the option <paramref name="flag"/>.</summary>
    /// <exception cref="UserInputException">The text is not a size, or is larger than a 64-bit count of bytes.</exception>
    public static long Parse(string flag, string text)
    {
        var match = SizePattern().Match(text);
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long number))
            throw new UserInputException($"{flag} {PrintableText.Quote(text)}: expected a whole number of bytes, or of KiB, MiB, GiB or TiB with K, M, G or T after it (20G)");
        int shift = char.ToUpperInvariant(match.Groups[2].Value.FirstOrDefault()) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        if (number > long.MaxValue >> shift)
            throw new UserInputException($"{flag} {PrintableText.Quote(text)}: too large; give at most {long.MaxValue >> 40}T");
        return number << shift;
    }
}
