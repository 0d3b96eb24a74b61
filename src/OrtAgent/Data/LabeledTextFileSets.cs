namespace OrtAgent.Data;

/// <summary>
/// The label set and the split of a data file, spelled as the types' own factories (<c>LabelSet.FromFile(file)</c>,
/// <c>StratifiedSplit.Create(file)</c>): the types live in the training library, which reads no files.
/// </summary>
public static class LabeledTextFileSets
{
    extension(LabelSet)
    {
        /// <summary>Reads the labels of a data set in one pass, for data that is not split (see <see cref="StratifiedSplit"/>).</summary>
        /// <exception cref="UserInputException">A row is bad, or the file has fewer than two labels.</exception>
        public static LabelSet FromFile(LabeledTextFile file) =>
            LabelSet.Create(file.Select(example => example.Label), file.Path);
    }

    extension(StratifiedSplit)
    {
        /// <summary>Splits a data file; the file is read once now and once per enumeration of each part.</summary>
        /// <exception cref="UserInputException">
        /// A row is bad, the data has fewer than two labels or too few examples to hold any out, or the options are out of range.
        /// </exception>
        public static StratifiedSplit Create(LabeledTextFile file, StratifiedSplitOptions? options = null) =>
            StratifiedSplit.Create(file, file.Path, options);
    }
}
