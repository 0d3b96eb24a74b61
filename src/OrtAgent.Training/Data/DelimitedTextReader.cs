using System.Text.RegularExpressions;
using CsvHelper;

namespace OrtAgent.Data;

/// <summary>Reads CSV (RFC 4180 quoting) and TSV (no quoting) files with a header row, through CsvHelper.</summary>
internal sealed partial class DelimitedTextReader : ILabeledTextReader
{
    // An unclosed quote would otherwise make the rest of a large file one field, read into memory.
    private const int MaxRecordBytes = 16 * 1024 * 1024;

    // The header line is read this far at most to find a .csv file's separator.
    private const int MaxSniffedChars = 64 * 1024;

    private readonly string _path;
    private readonly LabeledTextFileOptions _options;
    private readonly CsvReaderOptions _csvOptions;
    private readonly char _separator;
    private readonly CsvMode _mode;

    private DelimitedTextReader(string path, LabeledTextFileOptions options, char separator, CsvMode mode, bool separatorLine = false)
    {
        _path = path;
        _options = options;
        _separator = separator;
        _mode = mode;
        _csvOptions = CsvReaderOptions.Default with
        {
            // With no separator given, CsvHelper takes it from a "sep=" line and skips that line.
            Separator = separatorLine ? null : separator,
            DetectSeparatorHint = separatorLine,
            Mode = mode,
            HasHeader = true,
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            // Checked here rather than by CsvHelper, to skip lines of only spaces and to word the error.
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MaxRecordSize = MaxRecordBytes,
        };
    }

    /// <summary>
    /// A CSV reader: quoted fields may hold the separator, quotes ("") and line breaks. The separator is the one a first
    /// line such as <c>sep=;</c> names (which Excel reads, and some exports write for it); otherwise a comma unless the
    /// header line has none outside quotes but has semicolons (what Excel saves as CSV where a comma is the decimal
    /// separator) or tabs.
    /// </summary>
    internal static DelimitedTextReader Csv(string path, LabeledTextFileOptions options)
    {
        string firstLine = HeaderLine(path);
        return SeparatorLine(firstLine) is char named
            ? new(path, options, named, CsvMode.Rfc4180, separatorLine: true)
            : new(path, options, SeparatorOf(firstLine), CsvMode.Rfc4180);
    }

    /// <summary>The separator a <c>sep=X</c> line names (any case, one character after the equals sign), or null.</summary>
    internal static char? SeparatorLine(string firstLine) =>
        firstLine.Length == 5 && firstLine.StartsWith("sep=", StringComparison.OrdinalIgnoreCase) ? firstLine[4] : null;

    /// <summary>
    /// A tab-separated reader. Quotes are ordinary text, as in the TSV exports of common data sets
    /// (a review may well contain <c>"great"</c>), so a field cannot hold a tab or a line break.
    /// </summary>
    internal static DelimitedTextReader Tsv(string path, LabeledTextFileOptions options) =>
        new(path, options, '\t', CsvMode.NoEscape);

    public (string TextColumn, string? LabelColumn, IReadOnlyList<string>? Columns) ReadHeader()
    {
        using CsvReader reader = Open();
        (int text, int label, _) = ResolveColumns(reader);
        return (reader.Headers[text], label >= 0 ? reader.Headers[label] : null, [.. reader.Headers]);
    }

    /// <summary>The blank lines the last read to the end skipped: a file's users are told, as a stray one may hide a lost row.</summary>
    public long SkippedBlankLines { get; private set; }

    public IEnumerable<LabeledText> ReadExamples() => Read(withFields: false).Select(row => row.Example);

    public IEnumerable<(LabeledText Example, IReadOnlyList<InputField> Fields)> ReadRows() => Read(withFields: true);

    private IEnumerable<(LabeledText Example, IReadOnlyList<InputField> Fields)> Read(bool withFields)
    {
        using CsvReader reader = Open();
        (int text, int label, int group) = ResolveColumns(reader);
        string textColumn = reader.Headers[text];
        string? labelColumn = label >= 0 ? reader.Headers[label] : null;
        int fieldCount = reader.Headers.Count;
        // CsvHelper skips empty lines itself; they show as a gap between where a record was due to start and where it did
        // (its line numbers count every line). Lines of only spaces come as records, skipped below.
        long blank = 0;
        long due = Math.Max(1, reader.LineNumber) + 1 + reader.Headers.Sum(h => LineBreaks(h));

        while (Advance(reader))
        {
            long line = reader.LineNumber;
            blank += Math.Max(0, line - due);
            due = line + 1;
            for (int i = 0; i < reader.FieldCount; i++) due += LineBreaks(reader.GetString(i));
            if (reader.FieldCount != fieldCount)
            {
                if (reader.FieldCount == 1 && string.IsNullOrWhiteSpace(reader.GetString(0)))
                {
                    blank++;
                    continue;
                }
                throw new UserInputException(
                    $"{_path} line {line}: expected {fieldCount} fields as in the header but found {reader.FieldCount}; {FieldCountHint}");
            }
            var example = ExampleValidation.Create(
                reader.GetString(text), label >= 0 ? reader.GetString(label) : null, line, _path, textColumn, labelColumn,
                group >= 0 ? reader.GetString(group) : null);
            yield return (example, withFields ? Fields(reader) : []);
        }
        SkippedBlankLines = blank;
    }

    // The lines a quoted field spans beyond its first: CR, LF and CR LF each count once, as the reader counts lines.
    private static int LineBreaks(string value)
    {
        int breaks = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\n' || (value[i] == '\r' && (i + 1 == value.Length || value[i + 1] != '\n'))) breaks++;
        }
        return breaks;
    }

    private static InputField[] Fields(CsvReader reader)
    {
        var fields = new InputField[reader.FieldCount];
        for (int i = 0; i < fields.Length; i++) fields[i] = new InputField(reader.Headers[i], reader.GetString(i), Json: null);
        return fields;
    }

    // Only CSV quotes: an open one runs on to the end of the file. A TSV row ends at its line break, quotes or not, so
    // there the row is as long as the file holds it.
    private string OverlongRowHint => _mode == CsvMode.Rfc4180 ? "; is a quote left open?" : "";

    private string FieldCountHint => _separator switch
    {
        '\t' => "is there a tab inside a text, or a missing one?",
        ';' => "a text containing semicolons must be in double quotes",
        _ => "a text containing commas must be in double quotes",
    };

    /// <summary>
    /// The separator a CSV header line uses: a comma if it has one outside quotes, else a semicolon if it has one, else a
    /// tab if it has one, else a comma (a one-column file).
    /// </summary>
    internal static char SeparatorOf(string headerLine)
    {
        bool quoted = false, semicolon = false, tab = false;
        foreach (char c in headerLine)
        {
            if (c == '"') quoted = !quoted;
            else if (quoted) continue;
            else if (c == ',') return ',';
            else if (c == ';') semicolon = true;
            else if (c == '\t') tab = true;
        }
        return semicolon ? ';' : tab ? '\t' : ',';
    }

    // The file's first line (up to MaxSniffedChars), or "" when it cannot be read: opening it again reports why.
    private static string HeaderLine(string path)
    {
        try
        {
            using var reader = new StreamReader(DataFile.OpenRead(path), detectEncodingFromByteOrderMarks: true);
            var buffer = new char[MaxSniffedChars];
            int read = reader.ReadBlock(buffer, 0, buffer.Length);
            // A line ends at \n, \r\n, or \r alone (old Mac "CSV" from Excel).
            int end = buffer.AsSpan(0, read).IndexOfAny('\n', '\r');
            return new string(buffer, 0, end < 0 ? read : end);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private CsvReader Open() => CsvReader.Create(Utf8CheckingStream.Open(_path), _csvOptions, leaveOpen: false);

    private ResolvedColumns ResolveColumns(CsvReader reader)
    {
        try
        {
            reader.ReadHeader();
        }
        catch (Exception ex) when (ex is CsvFormatException or IOException)
        {
            throw Translate(ex, reader);
        }
        if (reader.Headers.Count == 0)
        {
            // A file to classify needs no label column (UnlabeledTextFile): the header it needs names the text alone.
            throw new UserInputException(_options.TextOnly
                ? $"{_path} is empty; expected a header row naming the text column, such as text"
                : $"{_path} is empty; expected a header row naming the text and label columns, such as text{(_separator == '\t' ? "<tab>" : _separator)}label");
        }
        long headerLine = Math.Max(1, reader.LineNumber);
        return ColumnResolver.Resolve(reader.Headers, _options, $"{_path} line {headerLine}", "columns");
    }

    private bool Advance(CsvReader reader)
    {
        try
        {
            return reader.Read();
        }
        catch (Exception ex) when (ex is CsvFormatException or IOException)
        {
            throw Translate(ex, reader);
        }
    }

    private UserInputException Translate(Exception ex, CsvReader reader)
    {
        if (ex is not CsvFormatException format)
        {
            return new UserInputException($"{_path}: cannot read the file: {ex.Message}", ex);
        }
        long line = format.LineNumber > 0 ? format.LineNumber : Math.Max(1, reader.LineNumber);
        string reason = format.Message.Contains("MaxRecordSize", StringComparison.Ordinal)
            ? $"a row is longer than {MaxRecordBytes / (1024 * 1024)} MiB{OverlongRowHint}"
            : $"malformed row: {CsvHelperLocation().Replace(format.Message, "").TrimEnd('.')}";
        return new UserInputException($"{_path} line {line}: {reason}", ex);
    }

    // CsvHelper's messages locate the problem by record and byte; ours already say the line.
    [GeneratedRegex(@"^Malformed CSV in record \d+ \(line \d+\): |\s*\(byte offset \d+\)")]
    private static partial Regex CsvHelperLocation();
}
