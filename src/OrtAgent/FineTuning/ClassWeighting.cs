using System.Globalization;
using OrtAgent.Data;
using OrtAgent.Training.Data;

namespace OrtAgent.FineTuning;

/// <summary>
/// How <c>train --class-weights</c> weighs the classes in the cross-entropy loss: <c>none</c>; <c>balanced</c>, each
/// class weighted n / (k · n_c) by its count n_c among the n training examples of k classes (scikit-learn's
/// "balanced"), so a rare class counts as much as a common one; or explicit weights, either one per label in label
/// order (<c>1,5</c>) or by name (<c>spam=5</c>, labels not named weigh 1).
/// </summary>
public sealed class ClassWeighting
{
    private const string Option = "--class-weights";

    private readonly bool _balanced;
    private readonly IReadOnlyList<float>? _inOrder;
    private readonly IReadOnlyDictionary<string, float>? _byName;

    private ClassWeighting(string text, bool balanced, IReadOnlyList<float>? inOrder, IReadOnlyDictionary<string, float>? byName)
    {
        Text = text;
        _balanced = balanced;
        _inOrder = inOrder;
        _byName = byName;
    }

    /// <summary>Every class weighs 1: the plain mean loss.</summary>
    public static ClassWeighting None { get; } = new("none", false, null, null);

    /// <summary>The option's value as given.</summary>
    public string Text { get; }

    /// <exception cref="UserInputException">The value is none of the accepted forms, or a weight is not a finite non-negative number.</exception>
    public static ClassWeighting Parse(string value)
    {
        var text = value.Trim();
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase)) return None;
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

    /// <summary>The weights in <paramref name="labels"/>' order for these training examples; <see langword="null"/> for none.</summary>
    /// <exception cref="UserInputException">Explicit weights do not match the labels, or all of them are zero.</exception>
    public IReadOnlyList<float>? Resolve(LabelSet labels, TokenizedDataset training)
    {
        float[] weights;
        if (_balanced)
        {
            var counts = new int[labels.Count];
            for (int i = 0; i < training.Count; i++) counts[training.Label(i)]++;
            weights = counts.Select(n => n == 0 ? 0f : (float)((double)training.Count / (labels.Count * n))).ToArray();
        }
        else if (_inOrder is { } inOrder)
        {
            if (inOrder.Count != labels.Count)
                throw new UserInputException($"{Option} '{Text}': {inOrder.Count} weights for {labels.Count} labels ({ColumnResolver.Quote(labels)}, in this order)");
            weights = inOrder.ToArray();
        }
        else if (_byName is { } byName)
        {
            foreach (var name in byName.Keys)
            {
                if (!labels.Contains(name))
                    throw new UserInputException($"{Option} '{Text}': no label '{name}' in the training data; its labels are {ColumnResolver.Quote(labels)}");
            }
            weights = labels.Select(l => byName.GetValueOrDefault(l, 1f)).ToArray();
        }
        else
        {
            return null;
        }
        if (weights.All(w => w == 0f)) throw new UserInputException($"{Option} '{Text}': the weights are all zero");
        return weights;
    }

    /// <summary>The weights as <c>label weight, ...</c> for messages and the model card.</summary>
    public static string Describe(IReadOnlyList<string> labels, IReadOnlyList<float> weights) =>
        string.Join(", ", labels.Select((l, i) => string.Create(CultureInfo.InvariantCulture, $"{l} {weights[i]:0.###}")));

    private static float Weight(string item, string value) =>
        float.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && float.IsFinite(w) && w >= 0f
            ? w
            : throw new UserInputException($"{Option} '{value}': '{item}' is not a weight; expected none, balanced, weights in label order (1,5) or by name (spam=5)");
}
