using System.Globalization;
using System.Text;

namespace OrtAgent.Data;

/// <summary>
/// Labels a person reads as one class typed two ways: the same but for case (<c>Spam</c>, <c>spam</c>), or written with
/// other Unicode characters that look the same (<c>é</c> as one character in a file saved on Windows and as <c>e</c> plus a
/// combining accent in one saved on a Mac, a no-break space for a space, full-width letters). Labels are compared
/// exactly, so such a pair would train as two classes that even the run's own summary shows as one name twice.
/// </summary>
internal static class LabelLookalikes
{
    /// <summary>Equal when two labels are alike in the sense above: Unicode compatibility forms (NFKC), then case, ignored.</summary>
    public static readonly IEqualityComparer<string> Comparer = new LookalikeComparer();

    /// <summary>
    /// How two alike labels differ, in the words of a message: <c>differ only in case</c>, or that they look alike and
    /// which characters tell them apart (<c>U+00E9 in the first, U+0065 U+0301 in the second</c>), which a terminal does not show.
    /// </summary>
    public static string Difference(string first, string second) =>
        string.Equals(first, second, StringComparison.OrdinalIgnoreCase)
            ? "differ only in case"
            : $"look alike but are written with different characters ({Characters(first, second)} in the first, {Characters(second, first)} in the second)"
              + (string.Equals(Folded(first), Folded(second), StringComparison.Ordinal) ? "" : ", and differ in case");

    /// <summary>
    /// How a group of alike labels differs: as <see cref="Difference(string, string)"/> for two; for more, each after the
    /// first against the first, since a full-width one beside two case variants is not one more case variant.
    /// </summary>
    public static string Difference(IReadOnlyList<string> labels) =>
        labels.Count == 2
            ? Difference(labels[0], labels[1])
            : $"are one label written {labels.Count} ways ("
              + string.Join("; ", labels.Skip(1).Select(label => $"{PrintableText.Quote(labels[0])} and {PrintableText.Quote(label)} {Difference(labels[0], label)}")) + ")";

    /// <summary>
    /// The hint for a label not found that a known one is alike to: <c>'spam' differs only in case</c>, or <c>'café'
    /// looks alike but is written with other characters (U+00E9 there, U+0065 U+0301 here)</c>.
    /// </summary>
    public static string Hint(string known, string given) =>
        string.Equals(known, given, StringComparison.OrdinalIgnoreCase)
            ? $"{PrintableText.Quote(known)} differs only in case"
            : $"{PrintableText.Quote(known)} looks alike but is written with other characters ({Characters(known, given)} there, {Characters(given, known)} here)";

    // The code points of what is left of `text` once the start and end it shares with `other` are cut off: where the two differ.
    private static string Characters(string text, string other)
    {
        int start = 0;
        // Letters that differ only in case are not what tells these apart (the message says so separately).
        static bool Alike(char a, char b) => char.ToUpperInvariant(a) == char.ToUpperInvariant(b);
        while (start < text.Length && start < other.Length && Alike(text[start], other[start])) start++;
        int end = 0;
        while (end < text.Length - start && end < other.Length - start && Alike(text[^(end + 1)], other[^(end + 1)])) end++;
        // A cut between the halves of a surrogate pair would name half a character.
        if (start > 0 && start < text.Length && char.IsLowSurrogate(text[start])) start--;
        if (end > 0 && end < text.Length - start && char.IsLowSurrogate(text[^end])) end--;
        string middle = text[start..^end];
        if (middle.Length == 0) return "nothing";
        const int Shown = 8;
        var codePoints = new List<string>();
        for (int i = 0; i < middle.Length && codePoints.Count <= Shown; i += char.IsSurrogatePair(middle, i) ? 2 : 1)
            codePoints.Add(string.Create(CultureInfo.InvariantCulture,
                $"U+{(char.IsSurrogatePair(middle, i) ? char.ConvertToUtf32(middle, i) : middle[i]):X4}"));
        return codePoints.Count > Shown ? string.Join(' ', codePoints.Take(Shown)) + " …" : string.Join(' ', codePoints);
    }

    // Text that is not valid UTF-16 (a lone surrogate, which only code can pass in) has no normal form: it is compared as it is.
    private static string Folded(string label)
    {
        try
        {
            return label.Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            return label;
        }
    }

    private sealed class LookalikeComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) =>
            x is null || y is null ? ReferenceEquals(x, y) : StringComparer.OrdinalIgnoreCase.Equals(Folded(x), Folded(y));

        public int GetHashCode(string label) => StringComparer.OrdinalIgnoreCase.GetHashCode(Folded(label));
    }
}
