using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

public sealed class LabeledTextFileTests : IDisposable
{
    private readonly TempDirectory _folder = new("data");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("text", "label")]
    [InlineData("sentence", "sentiment")]
    [InlineData("review", "class")]
    [InlineData("content", "category")]
    [InlineData("Text", "LABEL")]
    public void DetectsEachUsualColumnName(string textHeader, string labelHeader)
    {
        string path = _folder.Write("d.csv", $"id,{labelHeader},{textHeader}\n1,pos,Lovely soup.\n");

        LabeledTextFile file = LabeledTextFile.Open(path);

        Assert.Equal(textHeader, file.TextColumn);
        Assert.Equal(labelHeader, file.LabelColumn);
        Assert.Equal([new LabeledText("Lovely soup.", "pos", 2)], file.ToArray());
    }

    [Fact]
    public void PrefersTextOverTheOtherTextNames()
    {
        string path = _folder.Write("d.csv", "review,text,label\nignored,used,a\n");

        LabeledTextFile file = LabeledTextFile.Open(path);

        Assert.Equal("text", file.TextColumn);
        Assert.Equal("used", file.Single().Text);
    }

    [Fact]
    public void ExplicitColumnsOverrideDetection()
    {
        string path = _folder.Write("d.csv", "text,label,body,stars\nwrong,wrong,Fine coffee.,5\n");

        LabeledTextFile file = LabeledTextFile.Open(path, new LabeledTextFileOptions { TextColumn = "body", LabelColumn = "Stars" });

        Assert.Equal("body", file.TextColumn);
        Assert.Equal("stars", file.LabelColumn);
        Assert.Equal([new LabeledText("Fine coffee.", "5", 2)], file.ToArray());
    }

    [Fact]
    public void MissingFileIsAUserError()
    {
        string path = Path.Combine(_folder.Path, "nope.csv");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path));

        Assert.Equal($"{path}: file not found", error.Message);
    }

    /// <summary>
    /// A named pipe passed every check and its open waited for a writer forever (an MCP call went unanswered and held
    /// the server); a directory was "a folder". Both are refused at once, in one line, whichever reader would open them.
    /// </summary>
    [LinuxTheory("statx tells a FIFO from a regular file")]
    [InlineData(NotARegularFile.Fifo, false)]
    [InlineData(NotARegularFile.Directory, false)]
    [InlineData(NotARegularFile.Fifo, true)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task APathThatIsNotARegularFileIsRefusedAtOnce(string kind, bool unlabeled)
    {
        using var path = NotARegularFile.Create(_folder.Combine("examples.csv"), kind);

        var opening = Task.Run(() => unlabeled ? (object)UnlabeledTextFile.Open(path.Path) : LabeledTextFile.Open(path.Path));
        var error = await Assert.ThrowsAsync<UserInputException>(() => opening.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(path.Refusal, error.Message);
    }

    [Theory]
    [InlineData("d.txt", "unsupported file type '.txt'")]
    [InlineData("d.json", "unsupported file type '.json'")]
    [InlineData("data", "has no extension")]
    public void UnsupportedExtensionIsAUserError(string name, string expected)
    {
        string path = _folder.Write(name, "text,label\na,b\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Contains(".csv, .tsv, .tab, .jsonl or .ndjson", error.Message);
    }

    [Theory]
    [InlineData("d.csv")]
    [InlineData("d.tsv")]
    [InlineData("d.jsonl")]
    public void EmptyFileIsAUserError(string name)
    {
        string path = _folder.Write(name, "");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path));

        Assert.StartsWith($"{path} is empty", error.Message);
    }

    [Fact]
    public void NamedColumnMissingListsTheHeader()
    {
        string path = _folder.Write("d.csv", "text,label\na,b\n");

        var error = Assert.Throws<UserInputException>(
            () => LabeledTextFile.Open(path, new LabeledTextFileOptions { LabelColumn = "stars" }));

        Assert.Equal(
            $"{path} line 1: no label column 'stars' (from LabeledTextFileOptions.LabelColumn); the columns are 'text', 'label'",
            error.Message);
    }

    [Fact]
    public void UndetectedColumnSaysWhatWasLookedForAndWhichColumnIsMissing()
    {
        // A file without a header: its first row is taken as one and names no known column.
        string path = _folder.Write("d.csv", "Great movie,positive\nBad movie,negative\n");

        var error = Assert.Throws<MissingColumnException>(() => LabeledTextFile.Open(path));

        Assert.Equal(ColumnRole.Text, error.Role);

        Assert.Equal(
            $"{path} line 1: no text column found; looked for text, sentence, review, content (any case) among the columns 'Great movie', 'positive'",
            error.Message);
    }

    [Fact]
    public void UndetectedLabelColumnIsTheLabelRoleAndNamesNoFlag()
    {
        string path = _folder.Write("d.csv", "text,stars\na,5\n");

        var error = Assert.Throws<MissingColumnException>(() => LabeledTextFile.Open(path));

        Assert.Equal(ColumnRole.Label, error.Role);
        Assert.Contains("no label column found; looked for label, sentiment, class, category", error.Message);
        // The service and the MCP tools have no --label-column; the CLI adds it (OptionFlags).
        Assert.DoesNotContain("--label-column", error.Message);
    }

    [Fact]
    public void TextAndLabelFromOneColumnIsAUserError()
    {
        string path = _folder.Write("d.csv", "text,label\na,b\n");

        var error = Assert.Throws<UserInputException>(
            () => LabeledTextFile.Open(path, new LabeledTextFileOptions { TextColumn = "label" }));

        Assert.Contains($"{path} line 1: the text and label are both read from 'label'", error.Message);
    }

    [Fact]
    public void ReadsLazilyFirstRowsDoNotReachALaterBadRow()
    {
        string path = _folder.Write("d.csv", string.Join("\n",
            "text,label", "a,x", "b,y", "c,x", "d,y", "e,x", "f,y", "g,x", "h,y", "i,x,EXTRA", "j,y") + "\n");

        LabeledTextFile file = LabeledTextFile.Open(path);

        Assert.Equal(["a", "b", "c"], file.Take(3).Select(e => e.Text).ToArray());
        var error = Assert.Throws<UserInputException>(() => file.ToArray());
        Assert.StartsWith($"{path} line 10:", error.Message);
    }

    [Fact]
    public void EachEnumerationReadsTheFileAgain()
    {
        string path = _folder.Write("d.jsonl", "{\"text\":\"a\",\"label\":\"x\"}\n{\"text\":\"b\",\"label\":\"y\"}\n");
        LabeledTextFile file = LabeledTextFile.Open(path);

        LabeledText[] first = file.ToArray();
        LabeledText[] second = file.ToArray();

        Assert.Equal(first, second);
        Assert.Equal(2, first.Length);
    }
}
