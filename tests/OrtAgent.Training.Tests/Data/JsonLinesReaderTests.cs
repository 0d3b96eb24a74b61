using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

/// <summary>JSON Lines reading, through <see cref="LabeledTextFile"/>.</summary>
public sealed class JsonLinesReaderTests : IDisposable
{
    private readonly TempDirectory _folder = new("data");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ReadsStringAndIntegerLabelsAndSkipsBlankLines()
    {
        string path = _folder.Write("d.jsonl",
            "{\"id\": 7, \"sentence\": \"Loved it, \\\"truly\\\".\", \"label\": 1}\n" +
            "\n" +
            "{\"sentence\": \"Hated it.\", \"label\": 0, \"extra\": [1, 2]}\r\n" +
            "{\"label\": \"-3\", \"sentence\": \"Meh.\"}\n");

        LabeledText[] examples = LabeledTextFile.Open(path).ToArray();

        Assert.Equal(
            [
                new LabeledText("Loved it, \"truly\".", "1", 1),
                new LabeledText("Hated it.", "0", 3),
                new LabeledText("Meh.", "-3", 4),
            ],
            examples);
    }

    [Fact]
    public void NdjsonExtensionAndExplicitPropertiesWork()
    {
        string path = _folder.Write("d.ndjson", "{\"body\": \"Fine.\", \"stars\": 4, \"text\": \"no\"}\n");

        LabeledTextFile file = LabeledTextFile.Open(path, new LabeledTextFileOptions { TextColumn = "body", LabelColumn = "stars" });

        Assert.Equal([new LabeledText("Fine.", "4", 1)], file.ToArray());
    }

    [Fact]
    public void ColumnsAreDetectedFromTheFirstObject()
    {
        string path = _folder.Write("d.jsonl", "\n{\"review\": \"a\", \"rating\": 5}\n");

        var error = Assert.Throws<MissingColumnException>(() => LabeledTextFile.Open(path));

        Assert.Equal(
            $"{path} line 2: no label column found; looked for label, sentiment, class, category (any case) among the properties 'review', 'rating'",
            error.Message);
    }

    [Fact]
    public void AnObjectWithTheTextPropertyTwiceIsRefused()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"text\": \"b\", \"label\": \"x\"}\n");

        Assert.Equal($"{path} line 1: properties 1 and 2 are both named 'text', so which holds the text is unclear; rename one",
            Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray()).Message);
    }

    [Fact]
    public void AnObjectWithTheLabelPropertyInTwoCasesIsRefused()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"Label\": \"x\", \"label\": \"y\"}\n");

        Assert.Equal($"{path} line 1: properties 2 and 3 are named 'Label' and 'label', which differ only in case, so which holds the label is unclear; rename one, or name the one to read exactly with LabeledTextFileOptions.LabelColumn",
            Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray()).Message);
    }

    /// <summary>
    /// Only the first object's text, label and group were checked for a repeat; a later row's repeated label was read as
    /// its last value, silently. Any row with a property twice is refused, as a malformed row is.
    /// </summary>
    [Theory]
    [InlineData("{\"text\": \"b\", \"label\": \"x\", \"label\": \"y\"}", "properties 2 and 3 are both named 'label'")]
    [InlineData("{\"id\": 1, \"text\": \"b\", \"label\": \"x\", \"id\": 2}", "properties 1 and 4 are both named 'id'")]
    public void ALaterObjectWithAPropertyTwiceIsRefusedNamingTheLine(string row, string what)
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n" + row + "\n");

        Assert.Equal($"{path} line 2: {what}, so which value is meant is unclear; rename or remove one",
            Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray()).Message);
    }

    [Fact]
    public void MalformedJsonNamesLineAndColumn()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": }\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.StartsWith($"{path} line 2 column 24: malformed JSON: ", error.Message);
        Assert.DoesNotContain("LineNumber", error.Message);
    }

    [Theory]
    [InlineData("{\"text\": \"\\ud800 bad\", \"label\": \"x\"}")]                          // in a text
    [InlineData("{\"text\": \"good\", \"label\": \"x\\udc00\"}")]                           // in a label
    [InlineData("{\"te\\ud800xt\": \"a\", \"text\": \"good\", \"label\": \"x\"}")]          // in a property name
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"\\ud800\"}, {\"role\": \"assistant\", \"content\": \"x\"}]}")]   // in a chat message
    public void ALoneSurrogateEscapeNamesTheLine(string row)
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"fine\", \"label\": \"x\"}\n" + row + "\n");

        Assert.Equal(
            $"{path} line 2: holds a \\u escape of half a surrogate pair (such as \\ud800 alone), which is not text; was the line cut from a longer one?",
            Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray()).Message);
        Assert.Throws<UserInputException>(() => UnlabeledTextFile.Open(path).ToArray());
    }

    [Theory]
    [InlineData("1.5", "the number 1.5")]
    [InlineData("true", "the boolean true")]
    [InlineData("[\"x\"]", "an array")]
    public void LabelThatIsNotStringOrIntegerNamesLine(string label, string found)
    {
        string path = _folder.Write("d.jsonl", $"{{\"text\": \"a\", \"label\": 1}}\n{{\"text\": \"b\", \"label\": {label}}}\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 2: label must be a string or an integer, found {found} (property 'label')", error.Message);
    }

    [Fact]
    public void EmptyTextNamesLine()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"\", \"label\": 2}\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 2: text is empty (column 'text')", error.Message);
    }

    /// <summary>A null label was reported as "label is empty", sending users looking for an empty string the file does not hold.</summary>
    [Fact]
    public void NullLabelIsSaidToBeNull()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": null}\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 1: label is null (property 'label'); expected a string or an integer", error.Message);
    }

    /// <summary>A null text was reported as "text is empty", for files read with or without labels.</summary>
    [Fact]
    public void NullTextIsSaidToBeNull()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": null, \"label\": 2}\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());
        Assert.Equal($"{path} line 2: text is null (property 'text'); expected a string", error.Message);

        error = Assert.Throws<UserInputException>(() => UnlabeledTextFile.Open(path).ToArray());
        Assert.Equal($"{path} line 2: text is null (property 'text'); expected a string", error.Message);
    }

    [Fact]
    public void MissingPropertyNamesLine()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\"}\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 2: the object has no 'label' property", error.Message);
    }

    [Fact]
    public void LineThatIsNotAnObjectNamesLine()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": 1}\n[\"b\", 2]\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.StartsWith($"{path} line 2: expected a JSON object", error.Message);
        Assert.EndsWith("found an array", error.Message);
    }

    [Fact]
    public void TextThatIsNotAStringNamesLine()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": 42, \"label\": 1}\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} line 1: text must be a string, found the number 42 (property 'text')", error.Message);
    }

    [Fact]
    public void GroupPropertyMayBeAStringAnIntegerOrNull()
    {
        string path = _folder.Write("d.jsonl",
            "{\"text\": \"a\", \"label\": 1, \"year\": 2002}\n{\"text\": \"b\", \"label\": 0, \"year\": \" spam-2 \"}\n{\"text\": \"c\", \"label\": 0, \"year\": null}\n");

        LabeledText[] examples = LabeledTextFile.Open(path, new LabeledTextFileOptions { GroupColumn = "year" }).ToArray();

        Assert.Equal(["2002", "spam-2", ""], examples.Select(e => e.Group));
    }

    [Fact]
    public void GroupThatIsNotANameNamesLine()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": 1, \"year\": [2002]}\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path, new LabeledTextFileOptions { GroupColumn = "year" }).ToArray());

        Assert.Equal($"{path} line 1: group must be a string or an integer, found an array (property 'year')", error.Message);
    }

    /// <summary>A JSON document saved on one line (an array of examples) is refused by its size, not read whole into memory.</summary>
    [Fact]
    public void ALineOver16MiCharactersIsRefusedNamingIt()
    {
        string path = _folder.Write("d.jsonl",
            "{\"text\": \"fine\", \"label\": \"a\"}\n[" + string.Concat(Enumerable.Repeat("{\"text\": \"x\", \"label\": \"a\"},", 600_000)) + "]\n");
        LabeledTextFile file = LabeledTextFile.Open(path);

        var error = Assert.Throws<UserInputException>(() => file.ToList());

        Assert.Equal($"{path} line 2: the line is longer than 16 Mi characters; JSON Lines holds one object per line, so is this one JSON document?", error.Message);
    }
}
