using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

/// <summary>CSV and TSV reading, through <see cref="LabeledTextFile"/>.</summary>
public sealed class DelimitedTextReaderTests : IDisposable
{
    private readonly TempDirectory _folder = new("data");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void CsvQuotedFieldsKeepCommasQuotesAndLineBreaks()
    {
        string path = _folder.Write("d.csv",
            "text,label\n" +
            "\"Cheap, cheerful, and fast.\",positive\n" +
            "\"They said \"\"fresh\"\"; it was not.\",negative\n" +
            "\"First line.\nSecond line.\",positive\n" +
            "Plain text,negative\n");

        LabeledText[] examples = LabeledTextFile.Open(path).ToArray();

        Assert.Equal(
            [
                new LabeledText("Cheap, cheerful, and fast.", "positive", 2),
                new LabeledText("They said \"fresh\"; it was not.", "negative", 3),
                new LabeledText("First line.\nSecond line.", "positive", 4),
                new LabeledText("Plain text", "negative", 6),
            ],
            examples);
    }

    [Fact]
    public void CsvReadsTheGroupColumnTrimmedAndBlankAsEmpty()
    {
        string path = _folder.Write("d.csv", "source,text,label\n spam-2 ,a,x\n,b,y\n");

        LabeledText[] examples = LabeledTextFile.Open(path, new LabeledTextFileOptions { GroupColumn = "Source" }).ToArray();

        Assert.Equal([new LabeledText("a", "x", 2, "spam-2"), new LabeledText("b", "y", 3, "")], examples);
    }

    [Fact]
    public void CsvWithoutAGroupColumnRequestedHasNoGroups()
    {
        string path = _folder.Write("d.csv", "source,text,label\nspam-2,a,x\n");

        Assert.Null(LabeledTextFile.Open(path).Single().Group);
    }

    [Fact]
    public void CsvSkipsBlankLinesAndCountsThemInLineNumbers()
    {
        string path = _folder.Write("d.csv", "text,label\r\n\r\na,x\r\n   \r\nb, y \r\n");

        LabeledText[] examples = LabeledTextFile.Open(path).ToArray();

        Assert.Equal([new LabeledText("a", "x", 3), new LabeledText("b", "y", 5)], examples);
    }

    [Fact]
    public void CsvWithByteOrderMarkReadsTheFirstHeaderName()
    {
        string path = Path.Combine(_folder.Path, "d.csv");
        File.WriteAllText(path, "text,label\na,x\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Equal("text", LabeledTextFile.Open(path).TextColumn);
    }

    [Theory]
    [InlineData("d.tsv")]
    [InlineData("d.tab")]
    public void TsvSplitsOnTabsAndKeepsQuotesAsText(string name)
    {
        string path = _folder.Write(name, "sentence\tlabel\nit 's a \"charming\" , slight film\t1\nflat, dull\t0\n");

        LabeledText[] examples = LabeledTextFile.Open(path).ToArray();

        Assert.Equal(
            [
                new LabeledText("it 's a \"charming\" , slight film", "1", 2),
                new LabeledText("flat, dull", "0", 3),
            ],
            examples);
    }

    /// <summary>Excel saves "CSV" with semicolons where a comma is the decimal separator (German, French, Dutch… settings).</summary>
    [Fact]
    public void CsvWithSemicolonsInTheHeaderIsReadWithSemicolons()
    {
        string path = _folder.Write("d.csv",
            "\uFEFFText;Label\r\n" +
            "\"Cheap; cheerful, and fast.\";positive\r\n" +
            "Prix: 3,50 €, trop cher;negative\r\n");

        LabeledText[] examples = LabeledTextFile.Open(path).ToArray();

        Assert.Equal(
            [
                new LabeledText("Cheap; cheerful, and fast.", "positive", 2),
                new LabeledText("Prix: 3,50 €, trop cher", "negative", 3),
            ],
            examples);
    }

    [Fact]
    public void CsvWithSemicolonsNamesTheSemicolonWhenAFieldCountIsWrong()
    {
        string path = _folder.Write("d.csv", "text;label\na;x\nGood; cheap food;positive\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal(
            $"{path} line 3: expected 2 fields as in the header but found 3; a text containing semicolons must be in double quotes",
            error.Message);
    }

    [Fact]
    public void CsvWithTabsInTheHeaderIsReadWithTabs()
    {
        string path = _folder.Write("d.csv", "text\tlabel\n\"a, b\"\tx\n");

        Assert.Equal([new LabeledText("a, b", "x", 2)], LabeledTextFile.Open(path).ToArray());
    }

    [Theory]
    [InlineData("text,label", ',')]
    [InlineData("text;label", ';')]
    [InlineData("text\tlabel", '\t')]
    [InlineData("text;notes,label", ',')]       // a comma outside quotes decides: the semicolon is part of a name
    [InlineData("\"a,b\";label", ';')]          // a comma inside quotes does not
    [InlineData("text;label\tscore", ';')]
    [InlineData("text", ',')]                   // one column: nothing to tell, the comma stands
    [InlineData("", ',')]
    public void TheCsvSeparatorIsTheHeadersFirstOfCommaSemicolonTab(string header, char expected)
    {
        Assert.Equal(expected, DelimitedTextReader.SeparatorOf(header));
    }

    [Theory]
    [InlineData("sep=;\ntext;label\n\"a; b, c\";x\n")]
    [InlineData("\uFEFFSEP=;\r\ntext;label\r\n\"a; b, c\";x\r\n")]   // Excel's BOM, any case, CRLF
    [InlineData("sep=|\ntext|label\n\"a; b, c\"|x\n")]                  // a separator the sniff never picks
    [InlineData("sep=,\ntext,label\n\"a; b, c\",x\n")]
    public void ASepLineNamesTheSeparatorAndIsNotTheHeader(string content)
    {
        string path = _folder.Write("d.csv", content);

        Assert.Equal([new LabeledText("a; b, c", "x", 3)], LabeledTextFile.Open(path).ToArray());
        Assert.Equal("a; b, c", UnlabeledTextFile.Open(path).Single().Text);
    }

    [Fact]
    public void AfterASepLineErrorsNameTheFilesOwnLinesAndTheSeparator()
    {
        string path = _folder.Write("d.csv", "sep=;\ntext;label\na;x\nGood; cheap food;positive\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal(
            $"{path} line 4: expected 2 fields as in the header but found 3; a text containing semicolons must be in double quotes",
            error.Message);
    }

    [Theory]
    [InlineData("sep=;", ';')]
    [InlineData("Sep=\t", '\t')]
    [InlineData("sep=", null)]        // nothing named: the line is a header
    [InlineData("sep=;;", null)]
    [InlineData("separator", null)]
    [InlineData("text,label", null)]
    public void OnlyAWholeSepLineNamesASeparator(string firstLine, char? expected)
    {
        Assert.Equal(expected, DelimitedTextReader.SeparatorLine(firstLine));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]   // old Mac line ends: the header is still only the first line
    public void AOneColumnCsvWhoseTextsHoldSemicolonsStaysCommaSeparated(string lineEnd)
    {
        string path = _folder.Write("d.csv", $"text{lineEnd}first; second{lineEnd}");

        Assert.Equal("first; second", UnlabeledTextFile.Open(path).Single().Text);
    }

    [Theory]
    [InlineData("text,label,label\na,x,y\n", "columns 2 and 3 are both named 'label', so which holds the label is unclear; rename one")]
    [InlineData("text,text,label\na,b,x\n", "columns 1 and 2 are both named 'text', so which holds the text is unclear; rename one")]
    public void TwoColumnsOfTheNameReadAreRefused(string content, string expected)
    {
        string path = _folder.Write("d.csv", content);

        Assert.Equal($"{path} line 1: {expected}", Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray()).Message);
    }

    /// <summary>
    /// Columns are found regardless of case and surrounding spaces, yet only an exact repeat was refused: "text,Label,label"
    /// read 'label' without a word, as the exact match, and "text,LABEL,Label" read the first.
    /// </summary>
    [Theory]
    [InlineData("text,Label,label\na,x,y\n", "columns 2 and 3 are named 'Label' and 'label', which differ only in case, so which holds the label is unclear; rename one, or name the one to read exactly with LabeledTextFileOptions.LabelColumn")]
    [InlineData("text,LABEL,Label\na,x,y\n", "columns 2 and 3 are named 'LABEL' and 'Label', which differ only in case, so which holds the label is unclear; rename one, or name the one to read exactly with LabeledTextFileOptions.LabelColumn")]
    [InlineData("Text,text,label\na,b,x\n", "columns 1 and 2 are named 'Text' and 'text', which differ only in case, so which holds the text is unclear; rename one, or name the one to read exactly with LabeledTextFileOptions.TextColumn")]
    [InlineData("text,label, label\na,x,y\n", "columns 2 and 3 are named 'label' and ' label', which differ only in surrounding spaces, so which holds the label is unclear; rename one, or name the one to read exactly with LabeledTextFileOptions.LabelColumn")]
    [InlineData("text, Label,label\na,x,y\n", "columns 2 and 3 are named ' Label' and 'label', which differ only in case and surrounding spaces, so which holds the label is unclear; rename one, or name the one to read exactly with LabeledTextFileOptions.LabelColumn")]
    public void TwoColumnsTheReaderCannotTellApartAreRefused(string content, string expected)
    {
        string path = _folder.Write("d.csv", content);

        Assert.Equal($"{path} line 1: {expected}", Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray()).Message);
    }

    [Fact]
    public void AColumnTheOptionNamesExactlyIsReadBesideOneInAnotherCase()
    {
        string path = _folder.Write("d.csv", "text,Label,label\na,x,y\n");

        Assert.Equal([new LabeledText("a", "x", 2)], LabeledTextFile.Open(path, new LabeledTextFileOptions { LabelColumn = "Label" }).ToArray());
        Assert.Equal($"{path} line 1: columns 2 and 3 are named 'Label' and 'label', which differ only in case, so which holds the label is unclear; rename one, or name the one to read exactly with LabeledTextFileOptions.LabelColumn",
            Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path, new LabeledTextFileOptions { LabelColumn = "LABEL" }).ToArray()).Message);
    }

    /// <summary>
    /// "Label" beside "label" was refused as a column the label could be read from, though the group option named it
    /// exactly: it is the group's column, and the label is read from the only other one.
    /// </summary>
    [Fact]
    public void AColumnAnotherOptionNamesExactlyIsNotTakenForTheLabel()
    {
        string path = _folder.Write("d.csv", "text,label,Label\na,x,g\n");

        Assert.Equal([new LabeledText("a", "x", 2, "g")], LabeledTextFile.Open(path, new LabeledTextFileOptions { GroupColumn = "Label" }).ToArray());
        Assert.Equal([new LabeledText("a", "g", 2, "x")],
            LabeledTextFile.Open(path, new LabeledTextFileOptions { LabelColumn = "Label", GroupColumn = "label" }).ToArray());
        Assert.Equal($"{path} line 1: columns 2 and 3 are named 'label' and 'Label', which differ only in case, so which holds the label is unclear; "
            + "rename one, or name the one to read exactly with LabeledTextFileOptions.LabelColumn",
            Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path, new LabeledTextFileOptions { GroupColumn = "LABEL" }).ToArray()).Message);
    }

    [Fact]
    public void TwoColumnsOfANameNotReadAreFine()
    {
        string path = _folder.Write("d.csv", "notes,text,notes,label\nn,a,m,x\n");

        Assert.Equal([new LabeledText("a", "x", 2)], LabeledTextFile.Open(path).ToArray());
    }

    [Fact]
    public void CsvWrongFieldCountNamesLineAndCounts()
    {
        string path = _folder.Write("d.csv", "text,label\na,x\nGood, cheap food,positive\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal(
            $"{path} line 3: expected 2 fields as in the header but found 3; a text containing commas must be in double quotes",
            error.Message);
    }

    [Fact]
    public void TsvWrongFieldCountNamesLine()
    {
        string path = _folder.Write("d.tsv", "text\tlabel\na\tx\nb\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.StartsWith($"{path} line 3: expected 2 fields as in the header but found 1", error.Message);
    }

    [Theory]
    [InlineData("\"ab\"cd,x", "text after the closing quote")]
    [InlineData("ab\"cd,x", "a quote inside an unquoted field")]
    [InlineData("\"never closed,x", "never closed")]
    public void CsvBadQuotingNamesLine(string row, string expected)
    {
        string path = _folder.Write("d.csv", $"text,label\na,x\n{row}\nb,y\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.StartsWith($"{path} line 3: malformed row: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("byte offset", error.Message);
    }

    [Fact]
    public void CsvEmptyTextNamesLineAndColumn()
    {
        string path = _folder.Write("d.csv", "Review,Sentiment\nfine,pos\n,neg\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 3: text is empty (column 'Review')", error.Message);
    }

    /// <summary>A zero-width space or soft hyphen is no text: the tokenizer drops it, and a model trained on it learns from [CLS] and [SEP].</summary>
    [Fact]
    public void CsvTextOfOnlyCharactersTheTokenizerDropsNamesLineAndColumn()
    {
        string path = _folder.Write("d.csv", "Review,Sentiment\nfine,pos\n\u200b\u00ad,neg\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 3: text has nothing to classify (column 'Review'): it holds only format characters, which the tokenizer drops (U+200B, U+00AD)",
            error.Message);
    }

    [Fact]
    public void CsvEmptyLabelNamesLineAndColumn()
    {
        string path = _folder.Write("d.csv", "text,label\nfine,pos\n\n\"two\nlines\",\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 4: label is empty (column 'label')", error.Message);
    }

    /// <summary>A quote left open before a label's end pulls the next line into it: a label spanning lines is refused, naming it.</summary>
    [Theory]
    [InlineData("d.csv", "text,label\nfine,pos\n\"two words\",\"neg\nfine again,pos\"\n", 3, "'neg?fine again,pos'")]
    [InlineData("d.jsonl", "{\"text\": \"fine\", \"label\": \"pos\"}\n{\"text\": \"two words\", \"label\": \"neg\\tpos\"}\n", 2, "'neg?pos'")]
    public void ALabelHoldingALineBreakOrTabNamesTheLine(string name, string content, int line, string quoted)
    {
        string path = _folder.Write(name, content);

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line {line}: label {quoted} (column 'label') holds a line break, tab or other control character; labels are names printed on one line",
            error.Message);
    }

    /// <summary>
    /// A row over 16 MiB is refused naming its line. The open-quote hint is CSV's alone: TSV reads quotes as plain text,
    /// so a long TSV row was asked "is a quote left open?" of a quote that could not be one.
    /// </summary>
    [Theory]
    [InlineData("big.csv", "text,label\nfine,pos\n\"open", "; is a quote left open?")]
    [InlineData("big.tsv", "text\tlabel\nfine\tpos\n\"open", "")]
    public void ARowOver16MiBNamesItsLineWithTheHintItsFormatFits(string name, string start, string hint)
    {
        char separator = name.EndsWith(".tsv", StringComparison.Ordinal) ? '\t' : ',';
        string path = _folder.Write(name, start + new string('a', 17 * 1024 * 1024) + separator + "neg\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 3: a row is longer than 16 MiB{hint}", error.Message);
    }

    [Fact]
    public void HeaderOnlyFileHasNoExamples()
    {
        string path = _folder.Write("d.csv", "text,label\n");

        Assert.Empty(LabeledTextFile.Open(path));
    }

    /// <summary>Blank lines between rows are skipped and counted (for the data summary), a quoted line break not among them.</summary>
    [Fact]
    public void BlankLinesAreSkippedAndCounted()
    {
        string path = _folder.Write("d.csv", "text,label\na,x\n\n  \n\"b\nc\",y\n\n\r\nd,z\n");

        var file = LabeledTextFile.Open(path);
        Assert.Equal(["a", "b\nc", "d"], file.Select(e => e.Text));
        Assert.Equal(4, file.SkippedBlankLines);
    }
}
