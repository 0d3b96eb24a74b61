using System.Globalization;

namespace OrtAgent.Training.Parameters;

/// <summary>
/// Parses layer selections such as <c>0-3</c> or <c>0-3,5</c> (inclusive) into the name patterns
/// of the encoder layers they cover: <c>encoder.layer.0.*</c> … <c>encoder.layer.3.*</c>.
/// </summary>
internal static class LayerRange
{
    /// <summary>The parameter-name prefix of encoder layer <c>N</c> in BERT-family exports.</summary>
    public const string LayerPrefix = "encoder.layer.";

    /// <exception cref="UserInputException">The text is not a list of non-negative integers or ranges.</exception>
    public static IReadOnlyList<string> ToPatterns(string layers) =>
        Parse(layers, out var patterns) is { } problem ? throw new UserInputException($"layer range '{layers}': {problem}") : patterns;

    /// <summary>
    /// The freeze <paramref name="patterns"/> followed by those of <paramref name="layers"/> (a layer range such as
    /// <c>0-3</c>), or the patterns alone when it is null: what a run freezes, however its options spell it.
    /// </summary>
    /// <exception cref="UserInputException"><paramref name="layers"/> does not parse.</exception>
    public static IReadOnlyList<string> WithPatternsOf(IReadOnlyList<string> patterns, string? layers) =>
        layers is null ? patterns : [.. patterns, .. ToPatterns(layers)];

    /// <summary>What is wrong with <paramref name="layers"/> (for example <c>'9-3' ends before it starts</c>), or null when it parses.</summary>
    public static string? Problem(string layers) => Parse(layers, out _);

    private static string? Parse(string layers, out IReadOnlyList<string> patterns)
    {
        var found = new List<string>();
        patterns = found;
        foreach (var part in layers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', StringSplitOptions.TrimEntries);
            if (bounds.Length is < 1 or > 2 || !bounds.All(IsIndex))
                return $"'{part}' is not N or N-M (for example 0-3)";
            int first = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            int last = int.Parse(bounds[^1], CultureInfo.InvariantCulture);
            if (last < first) return $"'{part}' ends before it starts";
            for (int i = first; i <= last; i++) found.Add($"{LayerPrefix}{i}.*");
        }
        return found.Count == 0 ? "names no layers" : null;
    }

    private static bool IsIndex(string s) => s.Length > 0 && s.Length < 6 && s.All(char.IsAsciiDigit);
}
