using System.Globalization;
using OrtAgent.Training.Losses;

namespace OrtAgent.FineTuning;

/// <summary>
/// Reads <c>train --class-weights</c> into the library's <see cref="ClassWeighting"/>: <c>none</c>, <c>balanced</c>,
/// weights in label order (<c>1,5</c>) or by name (<c>spam=5</c>), keeping the text as typed for messages.
/// </summary>
internal static class ClassWeightingParser
{
    private const string Option = "--class-weights";

    /// <exception cref="UserInputException">The value is none of the accepted forms, or a weight is not a finite non-negative number.</exception>
    public static ClassWeighting Parse(string value)
    {
        var text = value.Trim();
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase)) return ClassWeighting.None;
        if (text.Equals("balanced", StringComparison.OrdinalIgnoreCase)) return new(text, true, null, null);
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        if (items.All(i => i.Contains('=')))
        {
            var byName = new Dictionary<string, float>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                int equals = item.LastIndexOf('=');
                var (name, weight) = (item[..equals].Trim(), item[(equals + 1)..]);
                if (name.Length == 0 || !byName.TryAdd(name, Weight(weight, value)))
                    throw new UserInputException($"{Option} '{value}': {(name.Length == 0 ? "a weight without a label name" : $"label '{name}' is named twice")}");
            }
            return new(text, false, null, byName);
        }
        if (items.Any(i => i.Contains('=')))
            throw new UserInputException($"{Option} '{value}': give every weight by label name (spam=5,ham=1) or none of them (1,5)");
        return new(text, false, items.Select(i => Weight(i, value)).ToArray(), null);
    }

    private static float Weight(string item, string value) =>
        float.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && float.IsFinite(w) && w >= 0f
            ? w
            : throw new UserInputException($"{Option} '{value}': '{item}' is not a weight; expected none, balanced, weights in label order (1,5) or by name (spam=5)");
}
