using OrtAgent.Training.Artifacts;
using OrtAgent.Training.Data;

namespace OrtAgent.Training.Trainer;

/// <summary>
/// The labels a trainer is given, checked against its artifacts before the first step. Unchecked, a label past the
/// head's outputs trained silently (the loss ignores it) or threw at the first evaluation, and a name list of the wrong
/// length threw once the report was built: each after minutes of training.
/// </summary>
internal static class TrainingLabels
{
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> is null.</exception>
    /// <exception cref="UserInputException">There are not as many names as the artifacts have labels.</exception>
    public static void RequireNames(IReadOnlyList<string> labels, TrainingArtifacts artifacts)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != artifacts.Properties.NumLabels)
            throw new UserInputException($"{labels.Count} label names were given, and the artifacts in '{artifacts.Directory}' " +
                $"have {artifacts.Properties.NumLabels} labels ({string.Join(", ", artifacts.Properties.Labels)})");
    }

    /// <summary>Requires every example of both sets to hold a label index of <paramref name="labels"/>.</summary>
    /// <exception cref="UserInputException">An example's label is negative or not below the number of labels; the message names the set and the example.</exception>
    public static void RequireInRange(TokenizedDataset train, TokenizedDataset validation, IReadOnlyList<string> labels)
    {
        RequireInRange(train, "training", labels);
        RequireInRange(validation, "validation", labels);
    }

    /// <summary>Requires every example of <paramref name="data"/>, the <paramref name="set"/> set, to hold a label index of <paramref name="labels"/>.</summary>
    /// <exception cref="UserInputException">An example's label is negative or not below the number of labels.</exception>
    public static void RequireInRange(TokenizedDataset data, string set, IReadOnlyList<string> labels)
    {
        int count = labels.Count;
        for (int i = 0; i < data.Count; i++)
            if ((uint)data.Label(i) >= (uint)count)
                throw new UserInputException($"the {set} set's example {i} has label {data.Label(i)}; with {count} labels, a label is 0 to {count - 1}");
    }
}
