using System.Globalization;

namespace OrtAgent.Runtime;

/// <summary>The classifier's answer for one text: the top label, its score, and every label's probability.</summary>
/// <param name="Label">The label of highest probability (the first in the model's label order on a tie).</param>
/// <param name="Score">That label's probability.</param>
/// <param name="Probabilities">Every label's probability, keyed by label: a softmax over the labels (summing to 1) for a
/// single-label model, each label's own sigmoid for a multi-label one, the raw outputs for a regression one.</param>
/// <exception cref="ArgumentNullException"><paramref name="Label"/> or <paramref name="Probabilities"/> is null.</exception>
public sealed record Prediction(string Label, float Score, IReadOnlyDictionary<string, float> Probabilities)
{
    /// <summary>The label of highest probability (the first in the model's label order on a tie).</summary>
    public string Label { get; init; } = Label ?? throw new ArgumentNullException(nameof(Label));

    /// <summary>Every label's probability, keyed by label: a softmax over the labels (summing to 1) for a single-label model,
    /// each label's own sigmoid for a multi-label one, the raw outputs for a regression one.</summary>
    public IReadOnlyDictionary<string, float> Probabilities { get; init; } = Probabilities ?? throw new ArgumentNullException(nameof(Probabilities));

    /// <summary>
    /// Every label's raw logit, or null when the model has no <c>logits</c> output. Servers return these when a
    /// caller asks for raw scores (Hugging Face's <c>raw_scores</c>).
    /// </summary>
    public IReadOnlyDictionary<string, float>? Logits { get; init; }

    /// <summary>
    /// True when the text was longer than the model reads (<see cref="ClassifierModelInfo.MaxLength"/> tokens, with
    /// [CLS] and [SEP]) and its end was cut before classifying: the answer is for its beginning only.
    /// </summary>
    public bool Truncated { get; init; }

    /// <summary>
    /// The <paramref name="k"/> labels of highest probability with their probabilities, highest first; labels of equal
    /// probability keep the model's label order (the order of <see cref="Probabilities"/>).
    /// </summary>
    /// <param name="k">How many labels: 1 to the number of labels.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1 or above the number of labels.</exception>
    public IReadOnlyList<KeyValuePair<string, float>> Top(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, Probabilities.Count);
        // OrderByDescending is a stable sort, which is what keeps ties in label order.
        return [.. Probabilities.OrderByDescending(p => p.Value).Take(k)];
    }

    /// <summary>The label, its score and every label's probability: <c>positive 0.997 (negative 0.003, positive 0.997)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Label} {Score:F3} ({string.Join(", ", Probabilities.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:F3}")))})");
}
