using System.Globalization;
using System.Text.Json.Serialization;
using OrtAgent.Training.Data;

namespace OrtAgent.Training.Artifacts;

/// <summary>
/// What identifies the examples a run trains and validates on, as the run reads them (after parsing, and after holding
/// out its validation part): each set's <see cref="ExampleDigest"/> and count. Recorded with the run's settings
/// (<see cref="RecordedSettings.Data"/>), so that resuming it on other examples of the same size is refused: its shuffle
/// order and schedule were planned over the examples it began with, and its model chosen on its validation set.
/// </summary>
/// <param name="Training">The training examples' <see cref="ExampleDigest"/>.</param>
/// <param name="TrainingExamples">How many training examples there are.</param>
/// <param name="Validation">The validation examples' <see cref="ExampleDigest"/>.</param>
/// <param name="ValidationExamples">How many validation examples there are.</param>
/// <param name="ValidationFraction">
/// The share of each label's examples held out of the training data for validation; null when the validation examples
/// were given apart (a validation file, or validation examples passed to <c>TextClassifierTrainer.Train</c>).
/// </param>
public sealed record DataDigest(string Training, int TrainingExamples, string Validation, int ValidationExamples,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ValidationFraction = null)
{
    /// <summary>
    /// How <paramref name="given"/>'s training examples differ from the recorded ones, in words for a message
    /// (<c>80 examples, as many as it began with, but other texts or labels, or the same ones in another order</c>: the
    /// digests follow the order, and tell no more), or null when they are the same.
    /// </summary>
    public string? TrainingChange(DataDigest given)
    {
        ArgumentNullException.ThrowIfNull(given);
        return Change(given.Training, given.TrainingExamples, Training, TrainingExamples);
    }

    /// <summary>How <paramref name="given"/>'s validation examples differ from the recorded ones, as <see cref="TrainingChange"/> says it; null when the same.</summary>
    public string? ValidationChange(DataDigest given)
    {
        ArgumentNullException.ThrowIfNull(given);
        return Change(given.Validation, given.ValidationExamples, Validation, ValidationExamples);
    }

    private static string? Change(string digest, int count, string recordedDigest, int recordedCount) =>
        digest == recordedDigest ? null
        : count == recordedCount ? $"{Examples(count)}, as many as it began with, but other texts or labels, or the same ones in another order"
        : $"{Examples(count)} where it began with {recordedCount.ToString(CultureInfo.InvariantCulture)}";

    private static string Examples(int count) => string.Create(CultureInfo.InvariantCulture, $"{count} example{(count == 1 ? "" : "s")}");
}
