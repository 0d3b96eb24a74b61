namespace OrtAgent.Inference;

/// <summary>
/// The columns of a predictions file: the input's own, in its order (the text's among them), then the prediction's
/// <c>label</c> and <c>score</c> (and, in JSON Lines, every label's <c>probabilities</c> and whether the text was
/// <c>truncated</c>). When the input already has a column of one of those names (a labelled file's label, a rating
/// called score), the prediction's are all named <c>predicted_label</c>, <c>predicted_score</c>,
/// <c>predicted_probabilities</c>, <c>predicted_truncated</c>: neither is dropped, and which is which stays plain
/// whatever the reader of the file takes first.
/// </summary>
/// <param name="Input">The input's columns: a CSV or TSV header, or the properties of a JSON Lines file's objects.</param>
/// <param name="Label">The name of the predicted label's column.</param>
/// <param name="Score">The name of the predicted label's probability column.</param>
/// <param name="Probabilities">The name of every label's probability, in JSON output.</param>
/// <param name="Truncated">
/// The name of whether the text was longer than the model reads and cut (its prediction is for its beginning), in JSON
/// output. A CSV or TSV row has no such column: its readers take it as one more input column, and the command says
/// on stderr how many texts were cut.
/// </param>
internal sealed record PredictionColumns(IReadOnlyList<string> Input, string Label, string Score, string Probabilities, string Truncated)
{
    /// <summary>
    /// With <c>--top K</c>, the number of labels written, highest first: in JSON, the probabilities hold only those, in
    /// that order; a CSV or TSV row has after the label and score the next ones' as <see cref="RankLabel"/> and
    /// <see cref="RankScore"/>. Null for the label alone (and every label's probability in JSON).
    /// </summary>
    public int? Top { get; init; }

    /// <summary>The column of the <paramref name="rank"/>-th most probable label in a CSV or TSV file (2 and up): <c>label_2</c>.</summary>
    public string RankLabel(int rank) => $"{Label}_{rank}";

    /// <summary>The column of its probability: <c>score_2</c>.</summary>
    public string RankScore(int rank) => $"{Score}_{rank}";

    private const string Prefix = "predicted_";
    private static readonly string[] Names = ["label", "score", "probabilities", "truncated"];

    /// <summary>The columns of <c>predict --json</c>'s lines, whose input is a text alone.</summary>
    public static PredictionColumns OfText { get; } = new(["text"], Names[0], Names[1], Names[2], Names[3]);

    /// <summary>The columns for an input with <paramref name="input"/>'s columns, the prediction's prefixed if those clash.</summary>
    /// <param name="input">The input's columns, in order.</param>
    /// <param name="path">The input file, to name in a refusal.</param>
    /// <param name="format">
    /// The output's format: JSON Lines objects cannot hold two properties of one name, a TSV header cannot hold a tab or
    /// a line break.
    /// </param>
    /// <exception cref="UserInputException">
    /// The input also has the prefixed names, two columns of one name for JSON Lines, or a name that TSV cannot hold.
    /// </exception>
    /// <param name="top">With <c>--top K</c>, K (see <see cref="Top"/>); null otherwise.</param>
    public static PredictionColumns For(IReadOnlyList<string> input, string path, OutputFormat format, int? top = null)
    {
        if (format == OutputFormat.Tsv)
        {
            for (int i = 0; i < input.Count; i++) AtomicOutputFile.TsvField(input[i], () => $"{path}: the name of column {i + 1}");
        }
        if (format == OutputFormat.JsonLines)
        {
            var firsts = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < input.Count; i++)
            {
                if (!firsts.TryAdd(input[i], i))
                    throw new UserInputException($"{path}: columns {firsts[input[i]] + 1} and {i + 1} are both named {PrintableText.Quote(input[i])}, and a .jsonl object cannot hold two properties of one name; rename one, or write a .csv");
            }
        }
        // A CSV or TSV output writes no truncated column, so an input's own "truncated" clashes with nothing there (as
        // before the column existed); probabilities clash in every format, as they always have.
        string[] written = format == OutputFormat.JsonLines ? Names : [.. Names[..3], .. RankNames(top)];
        string? clash = input.FirstOrDefault(column => written.Any(name => Same(column, name)));
        if (clash is null) return new(input, Names[0], Names[1], Names[2], Names[3]) { Top = top };
        string? taken = input.FirstOrDefault(column => written.Any(name => Same(column, Prefix + name)));
        if (taken is not null)
        {
            throw new UserInputException(
                $"{path}: has {PrintableText.Quote(clash)} and {PrintableText.Quote(taken)} among its columns, so the predictions have no names of their own ({string.Join(", ", written)}, else each with {Prefix} before it); rename one of those columns");
        }
        return new(input, Prefix + Names[0], Prefix + Names[1], Prefix + Names[2], Prefix + Names[3]) { Top = top };
    }

    /// <summary>
    /// Whether an input property named <paramref name="column"/> decides what a JSON Lines output names the prediction's
    /// properties (<see cref="For"/>): one of their names, or one prefixed. The only input names such an output needs.
    /// </summary>
    public static bool DecidesPredictionNames(string column) => Names.Any(name => Same(column, name) || Same(column, Prefix + name));

    // The CSV or TSV columns of the labels after the first that --top adds: label_2, score_2, ...
    private static IEnumerable<string> RankNames(int? top) =>
        Enumerable.Range(2, Math.Max((top ?? 1) - 1, 0)).SelectMany(rank => new[] { $"{Names[0]}_{rank}", $"{Names[1]}_{rank}" });

    // As columns are found by name: ignoring case and surrounding spaces.
    private static bool Same(string column, string name) => string.Equals(column.Trim(), name, StringComparison.OrdinalIgnoreCase);
}
