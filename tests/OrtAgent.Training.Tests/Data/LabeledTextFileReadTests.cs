using System.Text;
using OrtAgent.Data;
using OrtAgent.Training.Encoders;
using OrtAgent.Training.Tests.TextClassifiers;
using OrtAgent.Training.TextClassifiers;

namespace OrtAgent.Training.Tests.Data;

/// <summary>
/// <see cref="LabeledTextFile.Read"/>, the training library's way to read a whole data file for
/// <see cref="TextClassifierTrainer"/>: each format, and each mistake as a <see cref="UserInputException"/> whose message
/// names the file and line.
/// </summary>
public sealed class LabeledTextFileReadTests : IDisposable
{
    private readonly TempDirectory _folder = new("read");

    public void Dispose() => _folder.Dispose();

    private static readonly LabeledExample[] Expected =
        [new("Lovely soup, hot.", "positive"), new("Cold and late.", "negative"), new("Fine bread.", "positive")];

    public static TheoryData<string, string> EachFormat() => new()
    {
        { "d.csv", "text,label\n\"Lovely soup, hot.\",positive\nCold and late.,negative \nFine bread.,positive\n" },
        { "d.tsv", "label\ttext\npositive\tLovely soup, hot.\nnegative\tCold and late.\npositive\tFine bread.\n" },
        { "d.jsonl", "{\"text\": \"Lovely soup, hot.\", \"label\": \"positive\"}\n\n{\"label\": \"negative\", \"text\": \"Cold and late.\"}\n{\"text\": \"Fine bread.\", \"label\": \"positive\"}\n" },
        { "chat.jsonl", Chat("Lovely soup, hot.", "positive") + Chat("Cold and late.", "negative") + Chat("Fine bread.", "positive") },
    };

    private static string Chat(string user, string assistant) =>
        $"{{\"messages\": [{{\"role\": \"system\", \"content\": \"Classify.\"}}, {{\"role\": \"user\", \"content\": \"{user}\"}}, {{\"role\": \"assistant\", \"content\": \"{assistant}\"}}]}}\n";

    [Theory]
    [MemberData(nameof(EachFormat))]
    public void ReadsEachFormatIntoTheExamplesAndTheirCountsPerLabel(string name, string content)
    {
        string path = _folder.Write(name, content);

        var data = LabeledTextFile.Read(path);

        Assert.Equal(path, data.Path);
        Assert.Equal(Expected, data.Examples);
        // In the order a LabelSet numbers the labels, not the file's.
        Assert.Equal(["negative", "positive"], data.ExamplesPerLabel.Keys);
        Assert.Equal([1, 2], data.ExamplesPerLabel.Values);
        Assert.Equal(name.StartsWith("chat", StringComparison.Ordinal) ? ("messages[user]", "messages[assistant]") : ("text", "label"),
            (data.TextColumn, data.LabelColumn));
    }

    [Fact]
    public void IntegerLabelsAreCountedInNumericOrder()
    {
        string path = _folder.Write("d.jsonl", "{\"text\": \"a\", \"label\": 10}\n{\"text\": \"b\", \"label\": 2}\n{\"text\": \"c\", \"label\": 10}\n");

        var counts = LabeledTextFile.Read(path).ExamplesPerLabel;

        Assert.Equal(["2", "10"], counts.Keys);
        Assert.Equal([1, 2], counts.Values);
    }

    [Fact]
    public void NamedColumnsAreRead()
    {
        string path = _folder.Write("d.csv", "text,label,body,stars\nwrong,wrong,Fine coffee.,5\nwrong,wrong,Weak tea.,1\n");

        var data = LabeledTextFile.Read(path, new LabeledTextFileOptions { TextColumn = "body", LabelColumn = "stars" });

        Assert.Equal([new LabeledExample("Fine coffee.", "5"), new LabeledExample("Weak tea.", "1")], data.Examples);
        Assert.Equal(("body", "stars"), (data.TextColumn, data.LabelColumn));
    }

    [Theory]
    [InlineData("d.csv", "text,label\na,x\nGood, cheap food,positive\n",
        "line 3: expected 2 fields as in the header but found 3; a text containing commas must be in double quotes")]
    [InlineData("d.csv", "text,label\na,x\n\"open quote,y\nb\"c,z\n", "line 3: malformed row")]
    [InlineData("d.tsv", "text\tlabel\na\tx\n \t\ty\n", "line 3: expected 2 fields as in the header but found 3; is there a tab inside a text, or a missing one?")]
    [InlineData("d.csv", "text,label\na,x\n,y\n", "line 3: text is empty (column 'text')")]
    [InlineData("d.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": \"\"}\n", "line 2: label is empty (column 'label')")]
    [InlineData("d.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": \"y\", \"text\": \"c\"}\n",
        "line 2: properties 1 and 3 are both named 'text', so which value is meant is unclear; rename or remove one")]
    [InlineData("d.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": \"y\"\n", "line 2 column ")]
    [InlineData("chat.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n", "line 1: no assistant message (the label)")]
    public void AMistakeInARowNamesTheFileAndLine(string name, string content, string expected)
    {
        string path = _folder.Write(name, content);

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Read(path));

        Assert.StartsWith($"{path} {expected}", error.Message);
    }

    /// <summary>
    /// A text of only a no-break space (or of spaces) was "empty" to every reader, while one of a zero-width space held
    /// "only format characters": both are texts the tokenizer reads nothing of, said as what they hold in every format.
    /// </summary>
    [Theory]
    [InlineData("d.tsv", "text\tlabel\na\tx\n\u00a0\ty\n", 3)]
    [InlineData("d.csv", "text,label\na,x\n\u00a0,y\n", 3)]
    [InlineData("d.csv", "text,label\na,x\n\"  \",y\n", 3)]
    [InlineData("d.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"\\u00a0\", \"label\": \"y\"}\n", 2)]
    public void ATextOfOnlyWhitespaceIsSaidAsWhatItHoldsInEveryFormat(string name, string content, int line)
    {
        string path = _folder.Write(name, content);

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Read(path));

        Assert.Equal($"{path} line {line}: text has nothing to classify (column 'text'): it is only whitespace", error.Message);
    }

    [Fact]
    public void BytesThatAreNotUtf8AreRefusedNamingTheLine()
    {
        string path = _folder.Combine("latin1.csv");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes("text,label\nfine,a\nCafé au lait,b\n"));

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Read(path));

        Assert.Equal(
            $"{path} line 3: byte 0xE9 after \"Caf\" is not UTF-8; the file looks saved in another encoding, such as Windows-1252 (Latin-1): save it as UTF-8",
            error.Message);
    }

    [Theory]
    [InlineData("d.csv", "text,label\ngood,Pos\nfine,neg\nbad,pos\n")]
    [InlineData("d.jsonl", "{\"text\": \"good\", \"label\": \"Pos\"}\n{\"text\": \"fine\", \"label\": \"neg\"}\n{\"text\": \"bad\", \"label\": \"pos\"}\n")]
    public void LabelsThatDifferOnlyInCaseAreRefusedNamingBothLines(string name, string content)
    {
        string path = _folder.Write(name, content);
        int header = name.EndsWith(".csv", StringComparison.Ordinal) ? 1 : 0;

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Read(path));

        Assert.Equal(
            $"{path} lines {1 + header} and {3 + header}: the labels 'Pos' and 'pos' differ only in case, so they would be trained as different classes; write them one way",
            error.Message);
    }

    [Theory]
    [InlineData("d.csv", "text,label\n")]
    [InlineData("d.tsv", "text\tlabel\n\n")]
    public void AFileWithAHeaderAndNoExamplesIsRefused(string name, string content)
    {
        string path = _folder.Write(name, content);

        Assert.Equal($"{path}: has no examples", Assert.Throws<UserInputException>(() => LabeledTextFile.Read(path)).Message);
    }

    [Fact]
    public void AColumnTheHeaderLacksIsRefusedNamingTheOption()
    {
        string path = _folder.Write("d.csv", "text,label\na,x\n");

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Read(path, new LabeledTextFileOptions { TextColumn = "body" }));

        Assert.Equal($"{path} line 1: no text column 'body' (from LabeledTextFileOptions.TextColumn); the columns are 'text', 'label'", error.Message);
    }

    [Fact]
    public void AnUndetectedColumnIsAMissingColumnException()
    {
        string path = _folder.Write("d.csv", "body,label\na,x\n");

        var error = Assert.Throws<MissingColumnException>(() => LabeledTextFile.Read(path));

        Assert.Equal(ColumnRole.Text, error.Role);
        Assert.StartsWith($"{path} line 1: no text column found; looked for text, sentence, review, content", error.Message);
    }

    [Fact]
    public void ALabelOutsideTheGivenLabelsIsRefusedNamingTheLineAndTheLabelsExpected()
    {
        string training = _folder.Write("train.csv", "text,label\na,spam\nb,ham\n");
        string validation = _folder.Write("valid.csv", "text,label\nc,ham\nd,Spam\n");
        var labels = LabelSet.FromFile(LabeledTextFile.Open(training));

        var error = Assert.Throws<UserInputException>(
            () => LabeledTextFile.Read(validation, new LabeledTextFileOptions { Labels = labels }));

        Assert.Equal(
            $"{validation} line 3: label 'Spam' is not one of the training labels 'ham', 'spam'; labels are compared exactly, and 'spam' differs only in case",
            error.Message);
        // Streaming checks it too, at the row.
        var file = LabeledTextFile.Open(validation, new LabeledTextFileOptions { Labels = labels });
        Assert.Equal(error.Message, Assert.Throws<UserInputException>(() => file.ToArray()).Message);
        Assert.Equal([new LabeledExample("c", "ham")], LabeledTextFile.Read(_folder.Write("ok.csv", "text,label\nc,ham\n"), new LabeledTextFileOptions { Labels = labels }).Examples);
    }

    [Fact]
    public void WhatItReadsTrainsAClassifier()
    {
        var reviews = TextClassifierTrainerTests.Reviews(10, 2);
        string path = _folder.Write("reviews.csv", "text,label\n" + string.Concat(reviews.Select(r => $"{r.Text},{r.Label}\n")));
        string model = _folder.Combine("base");
        TinyBertBuilder.WriteBaseModel(model);

        var data = LabeledTextFile.Read(path);
        var result = TextClassifierTrainer.Train(
            TextClassifierTrainerTests.Options(model, _folder, "from-file") with { FineTuning = TextClassifierTrainerTests.PairsFineTuning },
            data.Examples);

        Assert.Equal(reviews, data.Examples);
        Assert.Equal(["negative", "positive"], result.Labels);
        Assert.Equal(20, result.TrainingExamples + result.ValidationExamples);
        Assert.True(File.Exists(Path.Combine(result.OutputDirectory, "model.onnx")));
    }
}
