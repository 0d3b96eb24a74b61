namespace OrtAgent.Data;

/// <summary>
/// A seeded, stratified train/validation split of a data set too large to hold in memory. Creating it
/// streams the data once, counting each label's examples, and picks which of them (the k-th example of
/// label <c>y</c>) are held out; <see cref="Training"/> and <see cref="Validation"/> then stream the data
/// again, each yielding its share in file order. Memory grows with the validation examples' count, not
/// with the texts.
/// </summary>
/// <remarks>
/// Every label gets <c>round(n × fraction)</c> of its <c>n</c> examples in validation, at least one when
/// it has two or more and never all of them, so each class is represented in both parts. The source must
/// yield the same examples in the same order each time it is enumerated, as a data file read again, or a list, does.
/// </remarks>
public sealed class StratifiedSplit
{
    private readonly IEnumerable<LabeledText> _source;
    private readonly string _sourceName;
    private readonly bool _inMemory;
    private readonly Dictionary<string, Stratum> _strata;

    private StratifiedSplit(
        IEnumerable<LabeledText> source, string sourceName, Dictionary<string, Stratum> strata, LabelSet labels)
    {
        _source = source;
        _sourceName = sourceName;
        // A collection is held in memory, its examples numbered by position: messages say "example N", not "line N".
        _inMemory = source is IReadOnlyCollection<LabeledText> or ICollection<LabeledText>;
        _strata = strata;
        Labels = labels;
        ValidationCount = strata.Values.Sum(s => (long)s.ValidationOrdinals.Count);
        TrainingCount = strata.Values.Sum(s => s.Count) - ValidationCount;
    }

    /// <summary>The labels of the whole data set, which both parts share.</summary>
    public LabelSet Labels { get; }

    /// <summary>How many examples <see cref="Training"/> yields.</summary>
    public long TrainingCount { get; }

    /// <summary>How many examples <see cref="Validation"/> yields.</summary>
    public long ValidationCount { get; }

    /// <summary>The training examples, streamed from the source in its order.</summary>
    public IEnumerable<LabeledText> Training => Stream(validation: false);

    /// <summary>The validation examples, streamed from the source in its order.</summary>
    public IEnumerable<LabeledText> Validation => Stream(validation: true);

    /// <summary>Splits a data file; the file is read once now and once per enumeration of each part.</summary>
    /// <param name="file">The file, opened by <see cref="LabeledTextFile.Open"/>; messages name it by its path.</param>
    /// <param name="options">The fraction and seed; <see langword="null"/> for the defaults.</param>
    /// <exception cref="UserInputException">
    /// A row is bad, the data has fewer than two labels or too few examples to hold any out, or the options are out of range.
    /// </exception>
    public static StratifiedSplit Create(LabeledTextFile file, StratifiedSplitOptions? options = null) =>
        Create(file, file.Path, options);

    /// <summary>Splits any re-enumerable source of examples; it is read once now and once per enumeration of each part.</summary>
    /// <param name="source">
    /// Examples that come in the same order on every enumeration. Messages name an example of a file by its line, and
    /// one of a collection held in memory (a list, an array) as "example N", its <see cref="LabeledText.Line"/>.
    /// </param>
    /// <param name="sourceName">The file name (or other name of the data) that messages use.</param>
    /// <param name="options">The fraction and seed; <see langword="null"/> for the defaults.</param>
    /// <exception cref="UserInputException">
    /// A row is bad, the data has fewer than two labels or too few examples to hold any out, or the options are out of range.
    /// </exception>
    public static StratifiedSplit Create(
        IEnumerable<LabeledText> source, string sourceName, StratifiedSplitOptions? options = null)
    {
        options ??= new StratifiedSplitOptions();
        double fraction = options.ValidationFraction;
        if (!(fraction > 0 && fraction < 1))
        {
            throw new UserInputException(
                $"the validation fraction must be greater than 0 and less than 1, got {fraction}");
        }

        var strata = new Dictionary<string, Stratum>(StringComparer.Ordinal);
        foreach (LabeledText example in source)
        {
            if (!strata.TryGetValue(example.Label, out Stratum? stratum))
            {
                stratum = new Stratum();
                strata.Add(example.Label, stratum);
            }
            stratum.Count++;
        }
        LabelSet labels = LabelSet.Create(strata.Keys, sourceName);

        // One generator walked over the labels in their fixed order makes the choice a function of the seed alone.
        var random = new Random(options.Seed);
        foreach (string label in labels)
        {
            Stratum stratum = strata[label];
            PickValidation(stratum, ValidationShare(stratum.Count, fraction), random);
        }

        var split = new StratifiedSplit(source, sourceName, strata, labels);
        if (split.ValidationCount == 0)
        {
            throw new UserInputException(
                $"{sourceName} has too few examples to hold out validation: every label has only one; " +
                $"give validation examples {(options.SeparateValidation is { } separate ? $"with {separate}" : "of their own")}, or at least two examples of a label");
        }
        return split;
    }

    /// <summary>How many of a label's examples are held out for validation.</summary>
    /// <exception cref="UserInputException">The label is not in <see cref="Labels"/>.</exception>
    public long ValidationCountOf(string label) => StratumOf(label).ValidationOrdinals.Count;

    /// <summary>How many of a label's examples go to training.</summary>
    /// <exception cref="UserInputException">The label is not in <see cref="Labels"/>.</exception>
    public long TrainingCountOf(string label)
    {
        Stratum stratum = StratumOf(label);
        return stratum.Count - stratum.ValidationOrdinals.Count;
    }

    private Stratum StratumOf(string label)
    {
        // For an unknown label, IndexOf throws the message that names the known ones.
        Labels.IndexOf(label);
        return _strata[label];
    }

    private static long ValidationShare(long count, double fraction)
    {
        if (count < 2)
        {
            return 0;
        }
        long share = (long)Math.Round(count * fraction, MidpointRounding.AwayFromZero);
        return Math.Clamp(share, 1, count - 1);
    }

    // Floyd's sampling: a uniform choice of `share` ordinals out of `Count` in O(share) memory and draws.
    private static void PickValidation(Stratum stratum, long share, Random random)
    {
        for (long j = stratum.Count - share; j < stratum.Count; j++)
        {
            long candidate = random.NextInt64(j + 1);
            if (!stratum.ValidationOrdinals.Add(candidate))
            {
                stratum.ValidationOrdinals.Add(j);
            }
        }
    }

    private IEnumerable<LabeledText> Stream(bool validation)
    {
        var seen = new Dictionary<string, long>(_strata.Count, StringComparer.Ordinal);
        foreach (LabeledText example in _source)
        {
            seen.TryGetValue(example.Label, out long ordinal);
            if (!_strata.TryGetValue(example.Label, out Stratum? stratum) || ordinal >= stratum.Count)
            {
                throw new UserInputException(_inMemory
                    ? $"{_sourceName}, example {example.Line}: the examples changed since they were split; split them again"
                    : $"{_sourceName} line {example.Line}: the file changed since it was split; run again");
            }
            seen[example.Label] = ordinal + 1;
            if (stratum.ValidationOrdinals.Contains(ordinal) == validation)
            {
                yield return example;
            }
        }
    }

    /// <summary>One label's examples: how many, and which of them (by their order among the label's examples) are held out.</summary>
    private sealed class Stratum
    {
        public long Count;
        public readonly HashSet<long> ValidationOrdinals = [];
    }
}
