namespace OrtAgent.Data;

/// <summary>
/// A data file read whole by <see cref="LabeledTextFile.Read"/>: its examples in file order, ready for
/// <c>TextClassifierTrainer.Train</c>, and what a caller reports before training (where they came from, how many each
/// label has).
/// </summary>
public sealed class LabeledTextFileContents
{
    internal LabeledTextFileContents(string path, string textColumn, string labelColumn,
        IReadOnlyList<LabeledExample> examples, Dictionary<string, int> examplesPerLabel)
    {
        Path = path;
        TextColumn = textColumn;
        LabelColumn = labelColumn;
        Examples = examples;
        var ordered = new OrderedDictionary<string, int>(examplesPerLabel.Count, StringComparer.Ordinal);
        foreach (string label in LabelSet.Sort([.. examplesPerLabel.Keys])) ordered.Add(label, examplesPerLabel[label]);
        ExamplesPerLabel = ordered;
    }

    /// <summary>The path as it was given; messages name the file by it.</summary>
    public string Path { get; }

    /// <summary>The header name of the text column, as the file spells it (<c>messages[user]</c> for a chat file).</summary>
    public string TextColumn { get; }

    /// <summary>The header name of the label column, as the file spells it (<c>messages[assistant]</c> for a chat file).</summary>
    public string LabelColumn { get; }

    /// <summary>The examples in file order: texts as written, labels trimmed. Never empty.</summary>
    public IReadOnlyList<LabeledExample> Examples { get; }

    /// <summary>
    /// How many examples each label has, the labels in the order a <see cref="LabelSet"/> numbers them (numeric when every
    /// label is an integer, else ordinal). One label alone is not refused here: a validation file may hold one.
    /// </summary>
    public IReadOnlyDictionary<string, int> ExamplesPerLabel { get; }
}
