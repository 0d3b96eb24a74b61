using System.Collections;

namespace OrtAgent.Data;

/// <summary>
/// A file of labelled examples: CSV (<c>.csv</c>), TSV (<c>.tsv</c>, <c>.tab</c>) or JSON Lines
/// (<c>.jsonl</c>, <c>.ndjson</c>, including OpenAI's chat fine-tuning format). <see cref="Read"/> reads it whole into
/// memory, as <c>TextClassifierTrainer.Train</c> takes it; <see cref="Open"/> checks the file and its header at once,
/// and enumerating streams the examples from disk, one row at a time, every enumeration reading the file again, so a
/// file larger than memory can be passed over several times (see <see cref="StratifiedSplit"/>).
/// </summary>
/// <remarks>
/// Without <see cref="LabeledTextFileOptions"/> column names, the text column is the first of <c>text</c>,
/// <c>sentence</c>, <c>review</c>, <c>content</c> in the header and the label column the first of
/// <c>label</c>, <c>sentiment</c>, <c>class</c>, <c>category</c>, ignoring case. Every mistake in the file (bytes
/// that are not UTF-8, a malformed row, an empty text or label, a JSON object naming a property twice, a label not
/// among <see cref="LabeledTextFileOptions.Labels"/>, two labels that differ only in case or look alike) is a
/// <see cref="UserInputException"/> whose one-line message names the file and line (and column where it knows it);
/// while streaming, a bad row throws when the enumeration reaches it, not before.
/// </remarks>
public sealed class LabeledTextFile : IEnumerable<LabeledText>
{
    private readonly ILabeledTextReader _reader;
    private readonly LabelSet? _labels;
    private readonly bool _forEvaluation;

    private LabeledTextFile(string path, ILabeledTextReader reader, string textColumn, string labelColumn, LabeledTextFileOptions options)
    {
        Path = path;
        _reader = reader;
        _labels = options.Labels;
        _forEvaluation = options.ForEvaluation;
        TextColumn = textColumn;
        LabelColumn = labelColumn;
    }

    /// <summary>The path as the user gave it; messages name the file by it.</summary>
    public string Path { get; }

    /// <summary>The header name of the text column, as the file spells it.</summary>
    public string TextColumn { get; }

    /// <summary>The header name of the label column, as the file spells it.</summary>
    public string LabelColumn { get; }

    /// <summary>
    /// The blank lines of a CSV or TSV file that its last read to the end skipped (0 before one, and for JSON Lines), for
    /// a summary to count: a run should not silently read fewer rows than the file seems to have.
    /// </summary>
    public long SkippedBlankLines => (_reader as DelimitedTextReader)?.SkippedBlankLines ?? 0;

    /// <summary>Opens a data file and reads its header, resolving the text and label columns.</summary>
    /// <param name="path">The file; its extension chooses the format.</param>
    /// <param name="options">Column names to use instead of detecting them, and the labels to accept; <see langword="null"/> to detect both columns and accept any label.</param>
    /// <exception cref="UserInputException">
    /// The file is missing or unreadable, its extension is not supported, its bytes are not UTF-8 (nor UTF-16 with a
    /// byte-order mark), it is empty, or its header lacks a column.
    /// </exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static LabeledTextFile Open(string path, LabeledTextFileOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new LabeledTextFileOptions();
        ILabeledTextReader reader = CreateReader(path, options);
        (string textColumn, string? labelColumn, _) = reader.ReadHeader();
        return new LabeledTextFile(path, reader, textColumn, labelColumn ?? "", options);
    }

    /// <summary>
    /// Reads a whole data file into memory, checking every row: the examples to pass to
    /// <c>TextClassifierTrainer.Train</c> (as training or validation data), and how many each label has.
    /// </summary>
    /// <param name="path">The file; its extension chooses the format.</param>
    /// <param name="options">Column names to use instead of detecting them, and the labels to accept; <see langword="null"/> to detect both columns and accept any label.</param>
    /// <exception cref="UserInputException">
    /// The file, its header or a row is wrong (see the remarks of <see cref="LabeledTextFile"/>), or it has no examples;
    /// the message names the file and, for a row, its line.
    /// </exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static LabeledTextFileContents Read(string path, LabeledTextFileOptions? options = null)
    {
        var file = Open(path, options);
        var examples = new List<LabeledExample>();
        var examplesPerLabel = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (LabeledText example in file)
        {
            examples.Add(new LabeledExample(example.Text, example.Label));
            examplesPerLabel[example.Label] = examplesPerLabel.GetValueOrDefault(example.Label) + 1;
        }
        if (examples.Count == 0) throw new UserInputException($"{path}: has no examples");
        return new LabeledTextFileContents(file.Path, file.TextColumn, file.LabelColumn, examples, examplesPerLabel);
    }

    /// <summary>The reader for the file's format, after checking that the file is a regular file (<see cref="DataFile"/>).</summary>
    internal static ILabeledTextReader CreateReader(string path, LabeledTextFileOptions options)
    {
        DataFile.RequireRegularFile(path);

        ILabeledTextReader reader = System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => DelimitedTextReader.Csv(path, options),
            ".tsv" or ".tab" => DelimitedTextReader.Tsv(path, options),
            ".jsonl" or ".ndjson" => new JsonLinesReader(path, options),
            "" => throw new UserInputException(
                $"{path}: the file name has no extension to tell its format; expected .csv, .tsv, .tab, .jsonl or .ndjson"),
            string extension => throw new UserInputException(
                $"{path}: unsupported file type '{extension}'; expected .csv, .tsv, .tab, .jsonl or .ndjson"),
        };
        Utf8FileCheck.RequireUtf8(path);
        return reader;
    }

    /// <summary>
    /// Streams the examples in file order, reading the file from its start; with <see cref="LabeledTextFileOptions.Labels"/>,
    /// an example with another label throws when it is reached, as does one whose label differs only in case from an
    /// earlier example's.
    /// </summary>
    public IEnumerator<LabeledText> GetEnumerator() => Checked(_reader.ReadExamples()).GetEnumerator();

    private IEnumerable<LabeledText> Checked(IEnumerable<LabeledText> examples)
    {
        // The first example of each label, ignoring case and lookalike characters: "Spam" on one row beside "spam" on
        // another is one class typed two ways, and the message can name both lines only while the file is read.
        var firstOfLabel = new Dictionary<string, LabeledText>(LabelLookalikes.Comparer);
        foreach (LabeledText example in examples)
        {
            _labels?.IndexOf(example, Path);   // throws naming the file, the line and the labels expected
            if (!firstOfLabel.TryGetValue(example.Label, out LabeledText first))
            {
                firstOfLabel.Add(example.Label, example);
            }
            else if (!string.Equals(first.Label, example.Label, StringComparison.Ordinal))
            {
                throw LabelSet.CaseVariants($"{Path} lines {first.Line} and {example.Line}", [first.Label, example.Label], _forEvaluation);
            }
            yield return example;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
