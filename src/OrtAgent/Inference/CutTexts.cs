using System.Globalization;
using OrtAgent.Runtime;

namespace OrtAgent.Inference;

/// <summary>
/// How many of a run's texts were longer than the model reads and cut before classifying (their predictions are for
/// their beginnings), which <c>predict</c>, <c>eval</c> and <c>explain</c> say on stderr as serve says it in a header.
/// </summary>
/// <param name="Cut">Texts cut.</param>
/// <param name="Texts">Texts classified.</param>
/// <param name="MaxLength">The most tokens the model read of each, [CLS] and [SEP] included.</param>
public sealed record CutTexts(long Cut, long Texts, int MaxLength)
{
    /// <summary>None of no texts, to add a run's batches to with <see cref="Add(IReadOnlyList{Prediction})"/>.</summary>
    public static CutTexts None(int maxLength) => new(0, 0, maxLength);

    /// <summary>These counts with <paramref name="predictions"/>' added.</summary>
    public CutTexts Add(IReadOnlyList<Prediction> predictions) =>
        this with { Cut = Cut + predictions.Count(p => p.Truncated), Texts = Texts + predictions.Count };

    /// <summary>These counts with one more text, cut (<paramref name="truncated"/>) or not: an explanation's.</summary>
    public CutTexts Add(bool truncated) => this with { Cut = Cut + (truncated ? 1 : 0), Texts = Texts + 1 };

    /// <summary>
    /// The stderr line (<c>3 of 120 texts were longer than 128 tokens, the model's maximum length, and were cut to their
    /// first 128</c>); null when none was cut.
    /// </summary>
    public string? Notice => Cut == 0 ? null : string.Create(CultureInfo.InvariantCulture,
        $"{Cut} of {Texts} {(Texts == 1 ? "text" : "texts")} {(Cut == 1 ? "was" : "were")} longer than {MaxLength} tokens, the model's maximum length, "
        + $"and {(Cut == 1 ? "was cut to its" : "were cut to their")} first {MaxLength}");
}
