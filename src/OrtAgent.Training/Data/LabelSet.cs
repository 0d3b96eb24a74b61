using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace OrtAgent.Data;

/// <summary>
/// The class labels of a data set, in the fixed order that gives each its index: the model's output
/// <c>i</c> is the score of <c>this[i]</c>. The order is numeric ascending when every label is an
/// integer (<c>"2"</c> before <c>"10"</c>), otherwise ordinal string order, so the same data always
/// gives the same indices. Saved with the model as a JSON array of strings.
/// </summary>
public sealed class LabelSet : IReadOnlyList<string>
{
    private readonly string[] _labels;
    private readonly Dictionary<string, int> _indices;

    private LabelSet(string[] labels)
    {
        _labels = labels;
        _indices = new Dictionary<string, int>(labels.Length, StringComparer.Ordinal);
        for (int i = 0; i < labels.Length; i++)
        {
            _indices.Add(labels[i], i);
        }
    }

    /// <summary>The number of labels (classes).</summary>
    public int Count => _labels.Length;

    /// <summary>The label with index <paramref name="index"/>.</summary>
    public string this[int index] => _labels[index];

    /// <summary>Makes the set of the distinct labels given, sorted as the class describes.</summary>
    /// <param name="labels">Labels in any order, repeats allowed.</param>
    /// <param name="source">The file they were read from, for the message when there are fewer than two.</param>
    /// <exception cref="UserInputException">There are no labels, only one, or two that differ only in case or look alike (<see cref="LabelLookalikes"/>).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="labels"/> or <paramref name="source"/> is null.</exception>
    public static LabelSet Create(IEnumerable<string> labels, string source)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(source);
        string[] distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length == 0)
        {
            throw new UserInputException($"{source} has no examples; a classifier needs at least two labels");
        }
        if (distinct.Length == 1)
        {
            throw new UserInputException(
                $"a classifier needs at least two labels, found only {PrintableText.Quote(distinct[0])} in {source}");
        }
        // "Spam" beside "spam" in a hand-labelled sheet is one class typed two ways; trained as two, each would get half its
        // examples and the model would split its votes between them. So is "café" with its accent as one character and as two.
        if (FirstVariants(distinct) is { } variants)
        {
            throw CaseVariants(source, variants);
        }
        return new LabelSet(Sort(distinct));
    }

    /// <summary>
    /// The first group of <paramref name="distinct"/> labels that are one class typed two ways (<see cref="LabelLookalikes"/>),
    /// in ordinal order, or null: the one check of a set of labels, whether a file's or a list given (<c>artifacts --labels</c>).
    /// </summary>
    /// <param name="distinct">Labels, each once (exact repeats would group as alike).</param>
    internal static string[]? FirstVariants(IEnumerable<string> distinct) =>
        distinct.GroupBy(label => label, LabelLookalikes.Comparer).FirstOrDefault(g => g.Count() > 1)?.Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The error for two labels that are one class typed two ways (<see cref="LabelLookalikes"/>: they differ only in case,
    /// or in characters that look alike), wherever they are found.
    /// </summary>
    /// <param name="where">The data and, when known, the lines that hold them: <c>d.csv lines 2 and 5</c>.</param>
    /// <param name="labels">The labels (two or more), in the order the message names them; how each differs from the first is said.</param>
    /// <param name="forEvaluation">True when the data is read to evaluate a model on, where nothing is trained.</param>
    internal static UserInputException CaseVariants(string where, IReadOnlyList<string> labels, bool forEvaluation = false) =>
        new($"{where}: the labels {PrintableText.QuoteAll(labels, " and ")} {LabelLookalikes.Difference(labels)}, " +
            (forEvaluation ? "so they would be scored as different classes" : "so they would be trained as different classes") + "; write them one way");

    /// <summary>Reads the labels of a data file in one pass, for data that is not split (see <see cref="StratifiedSplit"/>).</summary>
    /// <param name="file">The file, opened by <see cref="LabeledTextFile.Open"/>; messages name it by its path.</param>
    /// <exception cref="UserInputException">A row is bad, or the file has fewer than two labels.</exception>
    public static LabelSet FromFile(LabeledTextFile file) => Create(file.Select(example => example.Label), file.Path);

    /// <summary>The index of a label of this set.</summary>
    /// <exception cref="UserInputException">The label is not in the set; the message names the known labels.</exception>
    public int IndexOf(string label) =>
        TryGetIndex(label, out int index)
            ? index
            : throw new UserInputException($"unknown label {PrintableText.Quote(label)}; the known labels are {KnownLabels}");

    /// <summary>
    /// The index of an example's label, such as one from a validation file whose labels must be those of
    /// the training data.
    /// </summary>
    /// <param name="example">The example, whose line the message names.</param>
    /// <param name="path">The file the example was read from.</param>
    /// <exception cref="UserInputException">The label is not in the set; the message names file, line and the known labels.</exception>
    public int IndexOf(LabeledText example, string path) =>
        TryGetIndex(example.Label, out int index)
            ? index
            : throw new UserInputException(
                $"{path} line {example.Line}: label {PrintableText.Quote(example.Label)} is not one of the training labels {KnownLabels}{CaseHint(example.Label, _labels)}");

    /// <summary>
    /// For a label not found: <c>; labels are compared exactly, and 'spam' differs only in case</c> when a known label
    /// matches it but for case, the characters that tell them apart when it only looks alike (<see cref="LabelLookalikes"/>),
    /// else nothing.
    /// </summary>
    /// <param name="label">The label not found.</param>
    /// <param name="known">The labels it was looked for among.</param>
    internal static string CaseHint(string label, IEnumerable<string> known) =>
        known.FirstOrDefault(k => LabelLookalikes.Comparer.Equals(k, label)) is { } match
            ? $"; labels are compared exactly, and {LabelLookalikes.Hint(match, label)}"
            : "";

    private string KnownLabels => PrintableText.QuoteAll(_labels);

    /// <summary>Looks a label up without throwing.</summary>
    public bool TryGetIndex(string label, out int index) => _indices.TryGetValue(label, out index);

    /// <summary>
    /// These labels numbered in <paramref name="order"/>, the order a model or run already has (its head's rows), when
    /// <paramref name="order"/> holds exactly these labels; otherwise null. Data read to continue such a model carries
    /// its labels in whatever order, and is trained in the model's, not sorted afresh.
    /// </summary>
    internal LabelSet? InOrderOf(IReadOnlyList<string> order) =>
        order.Count == Count && order.All(_indices.ContainsKey) && order.Distinct(StringComparer.Ordinal).Count() == Count
            ? new LabelSet(order.ToArray())
            : null;

    /// <summary>The labels as a JSON array of strings, in index order.</summary>
    public string ToJson() => JsonSerializer.Serialize(_labels);

    /// <summary>
    /// Reads labels saved by <see cref="ToJson"/>. Their order is kept as saved, not sorted again: it is
    /// the order the model was trained with.
    /// </summary>
    /// <param name="json">A JSON array of at least two distinct strings.</param>
    /// <param name="source">The file the JSON came from, for messages.</param>
    /// <exception cref="UserInputException">The JSON is not such an array.</exception>
    public static LabelSet FromJson(string json, string source)
    {
        string[]? labels;
        try
        {
            labels = JsonSerializer.Deserialize<string[]>(json);
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"{source}: expected a JSON array of label strings: {ex.Message}", ex);
        }
        if (labels is null || labels.Length < 2 || labels.Any(string.IsNullOrEmpty))
        {
            throw new UserInputException($"{source}: expected a JSON array of at least two non-empty label strings");
        }
        string? repeated = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null)
        {
            throw new UserInputException($"{source}: label {PrintableText.Quote(repeated)} is listed twice");
        }
        return new LabelSet(labels);
    }

    /// <inheritdoc/>
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_labels).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Numeric order when every label is an integer, else ordinal: the order that gives each label its index.
    internal static string[] Sort(string[] labels)
    {
        long[] numbers = new long[labels.Length];
        bool allIntegers = true;
        for (int i = 0; i < labels.Length && allIntegers; i++)
        {
            allIntegers = long.TryParse(labels[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numbers[i]);
        }
        if (allIntegers)
        {
            // "1" and "01" are different labels with one value; the string order settles their tie.
            return labels
                .Select((label, i) => (label, number: numbers[i]))
                .OrderBy(x => x.number)
                .ThenBy(x => x.label, StringComparer.Ordinal)
                .Select(x => x.label)
                .ToArray();
        }
        return labels.Order(StringComparer.Ordinal).ToArray();
    }
}
