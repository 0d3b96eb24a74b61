using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

public sealed class UnlabeledTextFileTests : IDisposable
{
    private readonly TempDirectory _folder = new("data");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ReadsACsvWithoutALabelColumn()
    {
        string path = _folder.Write("d.csv", "id,review\n1,Lovely soup.\n2,\"Cold, and late.\"\n");

        var file = UnlabeledTextFile.Open(path);

        Assert.Equal("review", file.TextColumn);
        Assert.Equal([new UnlabeledText("Lovely soup.", 2), new UnlabeledText("Cold, and late.", 3)], file.ToArray());
    }

    [Fact]
    public void IgnoresALabelColumnEvenWithEmptyOrOddLabels()
    {
        string path = _folder.Write("d.tsv", "text\tlabel\nLovely soup.\t\nCold.\tneg\n");

        Assert.Equal(["Lovely soup.", "Cold."], UnlabeledTextFile.Open(path).Select(t => t.Text));
    }

    [Fact]
    public void ReadsJsonLinesWhoseLabelsAreMissingOrNotStrings()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"Lovely soup.\"}\n\n{\"text\": \"Cold.\", \"label\": [1, 2]}\n");

        Assert.Equal([new UnlabeledText("Lovely soup.", 1), new UnlabeledText("Cold.", 3)], UnlabeledTextFile.Open(path).ToArray());
    }

    /// <summary>A file to classify needs no label, so what it is told to hold names the text alone.</summary>
    [Theory]
    [InlineData("empty.csv", "", "is empty; expected a header row naming the text column, such as text")]
    [InlineData("empty.tsv", "", "is empty; expected a header row naming the text column, such as text")]
    [InlineData("empty.jsonl", "", "is empty; expected one JSON object per line, such as {\"text\": \"Great film\"}")]
    [InlineData("array.jsonl", "[1]\n", "line 1: expected a JSON object such as {\"text\": \"...\"}, found an array")]
    public void AFileWithNoTextIsToldWhatToHoldWithoutALabel(string name, string content, string problem)
    {
        string path = _folder.Write(name, content);

        var error = Assert.Throws<UserInputException>(() => UnlabeledTextFile.Open(path).ToArray());

        Assert.Equal($"{path} {problem}", error.Message);
    }

    [Fact]
    public void UsesTheNamedTextColumn()
    {
        string path = _folder.Write("d.csv", "text,body\nignored,used\n");

        Assert.Equal("used", UnlabeledTextFile.Open(path, new UnlabeledTextFileOptions { TextColumn = "body" }).Single().Text);
    }

    /// <summary>It named LabeledTextFileOptions.TextColumn, which a caller of this file never sets.</summary>
    [Fact]
    public void ANamedTextColumnTheHeaderLacksIsRefusedNamingThisFilesOption()
    {
        string path = _folder.Write("d.csv", "text,label\nfine,pos\n");

        var error = Assert.Throws<UserInputException>(() => UnlabeledTextFile.Open(path, new UnlabeledTextFileOptions { TextColumn = "body" }));
        Assert.Equal($"{path} line 1: no text column 'body' (from UnlabeledTextFileOptions.TextColumn); the columns are 'text', 'label'", error.Message);
    }

    [Fact]
    public void AnEmptyTextIsStillAnErrorNamingTheLine()
    {
        string path = _folder.Write("d.csv", "text\nfine\n\"\"\n");

        var error = Assert.Throws<UserInputException>(() => UnlabeledTextFile.Open(path).ToArray());
        Assert.Equal($"{path} line 3: text is empty (column 'text')", error.Message);
    }

    [Fact]
    public void AMissingTextColumnIsAnErrorAtOpen()
    {
        string path = _folder.Write("d.csv", "id,label\n1,pos\n");

        var error = Assert.Throws<MissingColumnException>(() => UnlabeledTextFile.Open(path));
        Assert.Equal(ColumnRole.Text, error.Role);
        Assert.Contains("no text column found", error.Message);
    }
}
