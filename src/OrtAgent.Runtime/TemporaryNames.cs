using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrtAgent.Runtime;

/// <summary>
/// How OrtAgent's writers name what they put beside a destination before renaming it into place
/// (<c>NAME.PURPOSE-PID</c>), and the stem that stands for a NAME too long to take that decoration. It lives here, not
/// with the writers (<c>OrtAgent.Training</c>), because the model loader looks for what an interrupted replace left by
/// the same names, and this library references no other.
/// </summary>
internal static class TemporaryNames
{
    /// <summary>
    /// The longest name a directory entry takes: 255 bytes on Linux and macOS (NAME_MAX), 255 UTF-16 code units on
    /// Windows; counted in UTF-8 bytes, which are never fewer than UTF-16 units.
    /// </summary>
    public const int MaxNameBytes = 255;

    /// <summary>The kinds of temporary sibling; the word goes into the name.</summary>
    public static readonly IReadOnlyList<string> Purposes = ["tmp", "promote", "replaced", "pulling"];

    // 64 bits of SHA-256 in hex: two long names that share their beginning still get different siblings.
    private const int HashHexDigits = 16;

    // The most a temporary's name adds to its destination's: '.', '.', the longest purpose, '-' and a process id of
    // any length. Fixed, so that every process cuts a long name the same way and finds the others' temporaries.
    private static readonly int DecorationBytes = 3 + Purposes.Max(p => p.Length) + int.MaxValue.ToString(CultureInfo.InvariantCulture).Length;

    /// <summary>What stands for the destination named <paramref name="name"/> in its temporaries' names.</summary>
    public static string StemOf(string name) => Stem(name, DecorationBytes);

    /// <summary>
    /// What a temporary of <paramref name="purpose"/> for the destination named <paramref name="name"/> is named up to
    /// its writer's process id: <c>STEM.PURPOSE-</c>.
    /// </summary>
    public static string PrefixOf(string name, string purpose) => $"{StemOf(name)}.{purpose}-";

    /// <summary>
    /// What stands for <paramref name="name"/> in a derived name that adds <paramref name="decorationBytes"/> bytes to it:
    /// <paramref name="name"/> itself when the two fit in <see cref="MaxNameBytes"/>, else its longest beginning that
    /// leaves room for '~' and a hash of the whole name. The same name and decoration always give the same stem.
    /// </summary>
    public static string Stem(string name, int decorationBytes)
    {
        int budget = MaxNameBytes - decorationBytes;
        if (Encoding.UTF8.GetByteCount(name) <= budget) return name;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..HashHexDigits];
        int room = budget - 1 - HashHexDigits, used = 0;
        var stem = new StringBuilder();
        // Whole characters only: a cut UTF-8 sequence would be an invalid name on macOS and a replacement character elsewhere.
        foreach (var rune in name.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > room) break;
            stem.Append(rune.ToString());
            used += rune.Utf8SequenceLength;
        }
        return stem.Append('~').Append(hash).ToString();
    }
}
