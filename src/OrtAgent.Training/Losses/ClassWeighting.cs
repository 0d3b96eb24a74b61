using System.Globalization;

namespace OrtAgent.Training.Losses;

/// <summary>
/// How the cross-entropy loss weighs the classes: <see cref="None"/>; <see cref="Balanced"/>, each class weighted
/// n / (k · n_c) by its count n_c among the n training examples of k classes (scikit-learn's "balanced"), so a rare
/// class counts as much as a common one; or explicit weights, one per label in label order (<see cref="InLabelOrder"/>)
/// or by label name (<see cref="ByLabel"/>, labels not named weigh 1). <see cref="Resolve"/> turns it into one weight
/// per label for a run's data, which the run's artifacts then record (<c>TrainingProperties.ClassWeights</c>).
/// </summary>
public sealed class ClassWeighting
{
    private readonly bool _balanced;
    private readonly IReadOnlyList<float>? _inOrder;
    private readonly IReadOnlyDictionary<string, float>? _byName;

    /// <param name="text">The weighting as messages show it (the command line's value as typed).</param>
    /// <param name="balanced">Whether the weights follow the class counts.</param>
    /// <param name="inOrder">The weights in label order, or null.</param>
    /// <param name="byName">The weights by label name, or null.</param>
    internal ClassWeighting(string text, bool balanced, IReadOnlyList<float>? inOrder, IReadOnlyDictionary<string, float>? byName)
    {
        Text = text;
        _balanced = balanced;
        _inOrder = inOrder;
        _byName = byName;
    }

    /// <summary>Every class weighs 1: the plain mean loss.</summary>
    public static ClassWeighting None { get; } = new("none", false, null, null);

    /// <summary>Each class weighs n / (k · n_c) by its count n_c among the n training examples of k classes.</summary>
    public static ClassWeighting Balanced { get; } = new("balanced", true, null, null);

    /// <summary>One weight per label, in the model's label order; each a finite number, 0 or more, not all 0.</summary>
    /// <param name="weights">The weights.</param>
    public static ClassWeighting InLabelOrder(params IReadOnlyList<float> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var copy = weights.ToArray();
        return new(string.Join(",", copy.Select(w => w.ToString(CultureInfo.InvariantCulture))), false, copy, null);
    }

    /// <summary>Weights by label name (<c>spam</c> → 5); labels not named weigh 1. Each a finite number, 0 or more.</summary>
    /// <param name="weights">The weights by label name.</param>
    public static ClassWeighting ByLabel(IReadOnlyDictionary<string, float> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var copy = new Dictionary<string, float>(weights, StringComparer.Ordinal);
        return new(string.Join(",", copy.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Key}={w.Value}"))), false, null, copy);
    }

    /// <summary>The weighting as messages show it: <c>none</c>, <c>balanced</c>, <c>1,5</c> or <c>spam=5</c>.</summary>
    public string Text { get; }

    /// <summary>Whether this is <see cref="None"/>, the plain mean loss.</summary>
    public bool IsNone => !_balanced && _inOrder is null && _byName is null;

    /// <summary>Whether <see cref="Resolve"/> reads the training examples' counts (<see cref="Balanced"/>); explicit weights need only the labels.</summary>
    public bool NeedsCounts => _balanced;

    /// <summary>Checks what needs no data: every weight a finite number, 0 or more, and every name a label name.</summary>
    /// <param name="option">The option holding this weighting, <c>Type.Property</c>, which a mistake names.</param>
    /// <exception cref="InvalidOptionException">A weight or a name is not usable.</exception>
    public void Validate(string option)
    {
        foreach (var weight in _inOrder ?? _byName?.Values.ToArray() ?? [])
            if (!float.IsFinite(weight) || weight < 0f)
                throw new InvalidOptionException(option, Text, $"weight {weight.ToString(CultureInfo.InvariantCulture)} must be a finite number, 0 or more");
        if (_byName?.Keys.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
            throw new InvalidOptionException(option, Text, "a weight without a label name");
    }

    /// <summary>The weights in <paramref name="labels"/>' order for training examples counted per label; null for <see cref="None"/>.</summary>
    /// <param name="labels">The model's labels, in output order.</param>
    /// <param name="examplesPerLabel">How many training examples each label has, in the same order.</param>
    /// <param name="option">The option holding this weighting, <c>Type.Property</c>, which a mistake names.</param>
    /// <exception cref="InvalidOptionException">Explicit weights do not match the labels, or all of them are zero.</exception>
    public IReadOnlyList<float>? Resolve(IReadOnlyList<string> labels, IReadOnlyList<int> examplesPerLabel, string option)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(examplesPerLabel);
        float[] weights;
        if (_balanced)
        {
            long total = examplesPerLabel.Sum(n => (long)n);
            weights = examplesPerLabel.Select(n => n == 0 ? 0f : (float)((double)total / (labels.Count * n))).ToArray();
        }
        else if (_inOrder is { } inOrder)
        {
            if (inOrder.Count != labels.Count)
                throw new InvalidOptionException(option, Text, $"{inOrder.Count} weights for {labels.Count} labels ({PrintableText.QuoteAll(labels)}, in this order)");
            weights = inOrder.ToArray();
        }
        else if (_byName is { } byName)
        {
            if (byName.Keys.FirstOrDefault(name => !labels.Contains(name, StringComparer.Ordinal)) is { } unknown)
                throw new InvalidOptionException(option, Text, $"no label '{unknown}' in the training data; its labels are {PrintableText.QuoteAll(labels)}");
            weights = labels.Select(l => byName.GetValueOrDefault(l, 1f)).ToArray();
        }
        else
        {
            return null;
        }
        if (weights.All(w => w == 0f)) throw new InvalidOptionException(option, Text, "the weights are all zero");
        return weights;
    }

    /// <summary>The weights as <c>label weight, ...</c> for messages and the model card.</summary>
    /// <param name="labels">The labels, in the weights' order.</param>
    /// <param name="weights">One weight per label.</param>
    public static string Describe(IReadOnlyList<string> labels, IReadOnlyList<float> weights) =>
        string.Join(", ", labels.Select((l, i) => string.Create(CultureInfo.InvariantCulture, $"{l} {weights[i]:0.###}")));

    /// <inheritdoc/>
    public override string ToString() => Text;
}
