using System.Collections;

namespace OrtAgent.Data;

/// <summary>
/// A file of texts to classify, in the formats of <see cref="LabeledTextFile"/> (CSV, TSV, JSON Lines) and with its
/// text-column detection, but with labels optional: a label column, if any, is ignored. Enumerating streams the
/// texts from disk and every enumeration reads the file again, so a large file can be counted and then classified.
/// </summary>
public sealed class UnlabeledTextFile : IEnumerable<UnlabeledText>
{
    private readonly ILabeledTextReader _reader;

    private UnlabeledTextFile(string path, ILabeledTextReader reader, string textColumn, IReadOnlyList<string>? columns)
    {
        Path = path;
        _reader = reader;
        TextColumn = textColumn;
        Columns = columns;
    }

    /// <summary>The path as the user gave it; messages name the file by it.</summary>
    public string Path { get; }

    /// <summary>The header name of the text column, as the file spells it.</summary>
    public string TextColumn { get; }

    /// <summary>
    /// Every column of a CSV or TSV header, in order; <see langword="null"/> for JSON Lines, whose objects may each have
    /// their own properties (see <see cref="ReadRows"/>).
    /// </summary>
    public IReadOnlyList<string>? Columns { get; }

    /// <summary>Opens a data file and reads its header, resolving the text column.</summary>
    /// <param name="path">The file; its extension chooses the format.</param>
    /// <param name="options">The text column's name to use instead of detecting it; <see langword="null"/> to detect it.</param>
    /// <exception cref="UserInputException">
    /// The file is missing or unreadable, its extension is not supported, it is empty, or its header lacks the column.
    /// </exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static UnlabeledTextFile Open(string path, UnlabeledTextFileOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var reader = LabeledTextFile.CreateReader(path, new LabeledTextFileOptions { TextColumn = options?.TextColumn, TextOnly = true });
        (string text, _, var columns) = reader.ReadHeader();
        return new UnlabeledTextFile(path, reader, text, columns);
    }

    /// <summary>Streams the texts in file order, reading the file from its start.</summary>
    public IEnumerator<UnlabeledText> GetEnumerator() =>
        _reader.ReadExamples().Select(e => new UnlabeledText(e.Text, e.Line)).GetEnumerator();

    /// <summary>Streams the rows in file order, each with every field it holds, reading the file from its start.</summary>
    public IEnumerable<InputRow> ReadRows() =>
        _reader.ReadRows().Select(row => new InputRow(row.Example.Text, row.Example.Line, row.Fields));

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
