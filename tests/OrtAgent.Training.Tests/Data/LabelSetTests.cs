using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

public sealed class LabelSetTests : IDisposable
{
    private readonly TempDirectory _folder = new("data");

    public void Dispose() => _folder.Dispose();

    /// <summary>Null labels threw LINQ's ArgumentNullException naming "source", which is the other parameter.</summary>
    [Fact]
    public void NullArgumentsAreRefusedNamingTheirParameter()
    {
        Assert.Equal("labels", Assert.Throws<ArgumentNullException>(() => LabelSet.Create(null!, "x")).ParamName);
        Assert.Equal("source", Assert.Throws<ArgumentNullException>(() => LabelSet.Create(["a", "b"], null!)).ParamName);
    }

    [Fact]
    public void IntegerLabelsSortNumerically()
    {
        LabelSet labels = LabelSet.Create(["10", "2", "-1", "2", "0"], "d.csv");

        Assert.Equal(["-1", "0", "2", "10"], labels.ToArray());
        Assert.Equal(3, labels.IndexOf("10"));
    }

    [Fact]
    public void OtherLabelsSortOrdinally()
    {
        LabelSet labels = LabelSet.Create(["positive", "Neutral", "negative", "10", "2"], "d.csv");

        Assert.Equal(["10", "2", "Neutral", "negative", "positive"], labels.ToArray());
        Assert.Equal(4, labels.IndexOf("positive"));
    }

    [Fact]
    public void TheSameLabelsInAnyOrderGiveTheSameSet()
    {
        Assert.Equal(
            LabelSet.Create(["b", "a", "c"], "x").ToArray(),
            LabelSet.Create(["c", "c", "a", "b"], "y").ToArray());
    }

    [Fact]
    public void UnknownLabelNamesItAndTheKnownOnes()
    {
        LabelSet labels = LabelSet.Create(["pos", "neg"], "d.csv");

        var error = Assert.Throws<UserInputException>(() => labels.IndexOf("meh"));

        Assert.Equal("unknown label 'meh'; the known labels are 'neg', 'pos'", error.Message);
        Assert.False(labels.TryGetIndex("meh", out _));
    }

    [Fact]
    public void AValidationLabelThatDiffersOnlyInCaseSaysSo()
    {
        LabelSet labels = LabelSet.Create(["spam", "ham"], "train.csv");

        var error = Assert.Throws<UserInputException>(() => labels.IndexOf(new LabeledText("Win now", "Spam", 4), "val.csv"));

        Assert.Equal("val.csv line 4: label 'Spam' is not one of the training labels 'ham', 'spam'; labels are compared exactly, and 'spam' differs only in case",
            error.Message);
    }

    [Fact]
    public void UnknownValidationLabelNamesFileAndLine()
    {
        LabelSet labels = LabelSet.Create(["pos", "neg"], "train.csv");

        var error = Assert.Throws<UserInputException>(
            () => labels.IndexOf(new LabeledText("So-so.", "neutral", 17), "data/val.csv"));

        Assert.Equal("data/val.csv line 17: label 'neutral' is not one of the training labels 'neg', 'pos'", error.Message);
        Assert.Equal(1, labels.IndexOf(new LabeledText("Nice.", "pos", 3), "data/val.csv"));
    }

    [Fact]
    public void SingleLabelIsAUserError()
    {
        string path = _folder.Write("d.csv", "text,label\nGood.,pos\nGreat.,pos\n");

        var error = Assert.Throws<UserInputException>(() => LabelSet.FromFile(LabeledTextFile.Open(path)));

        Assert.Equal($"a classifier needs at least two labels, found only 'pos' in {path}", error.Message);
    }

    [Fact]
    public void LabelsThatDifferOnlyInCaseAreOneClassTypedTwoWays()
    {
        var error = Assert.Throws<UserInputException>(() => LabelSet.Create(["ham", "spam", "Spam", "ham"], "d.csv"));

        Assert.Equal("d.csv: the labels 'Spam' and 'spam' differ only in case, so they would be trained as different classes; write them one way",
            error.Message);
        Assert.Equal(["Ham", "spam"], LabelSet.Create(["spam", "Ham"], "d.csv"));
    }

    [Fact]
    public void LabelsThatLookAlikeButAreOtherCharactersAreOneClassTypedTwoWays()
    {
        // "café" saved on Windows (é is U+00E9) and on a Mac (e and a combining accent): one name, printed twice.
        var accents = Assert.Throws<UserInputException>(() => LabelSet.Create(["caf\u00E9", "tea", "cafe\u0301"], "d.csv"));
        // A no-break space where the other rows have a space, as text pasted from a web page brings.
        var spaces = Assert.Throws<UserInputException>(() => LabelSet.Create(["bug report", "bug\u00A0report", "praise"], "d.csv"));

        Assert.Equal("d.csv: the labels 'cafe\u0301' and 'caf\u00E9' look alike but are written with different characters " +
            "(U+0065 U+0301 in the first, U+00E9 in the second), so they would be trained as different classes; write them one way",
            accents.Message);
        Assert.Equal("d.csv: the labels 'bug report' and 'bug\u00A0report' look alike but are written with different characters " +
            "(U+0020 in the first, U+00A0 in the second), so they would be trained as different classes; write them one way",
            spaces.Message);
    }

    /// <summary>
    /// Three spellings of one label were explained by the first two alone ("differ only in case" beside a full-width
    /// one), and a pair differing in case and in composition named every code point and never the case.
    /// </summary>
    [Fact]
    public void EachSpellingOfAGroupIsExplainedAgainstTheFirstAndCaseIsSaid()
    {
        var three = Assert.Throws<UserInputException>(() => LabelSet.Create(["spam", "Spam", "\uFF53\uFF50\uFF41\uFF4D", "ham"], "d.csv"));
        var both = Assert.Throws<UserInputException>(() => LabelSet.Create(["Caf\u00E9", "cafe\u0301", "tea"], "d.csv"));

        Assert.Equal("d.csv: the labels 'Spam' and 'spam' and '\uFF53\uFF50\uFF41\uFF4D' are one label written 3 ways ('Spam' and 'spam' differ only in case; "
            + "'Spam' and '\uFF53\uFF50\uFF41\uFF4D' look alike but are written with different characters (U+0053 U+0070 U+0061 U+006D in the first, "
            + "U+FF53 U+FF50 U+FF41 U+FF4D in the second), and differ in case), so they would be trained as different classes; write them one way", three.Message);
        Assert.Equal("d.csv: the labels 'Caf\u00E9' and 'cafe\u0301' look alike but are written with different characters "
            + "(U+00E9 in the first, U+0065 U+0301 in the second), and differ in case, so they would be trained as different classes; write them one way", both.Message);
    }

    [Fact]
    public void AValidationLabelThatOnlyLooksLikeATrainingLabelSaysWhichCharactersDiffer()
    {
        LabelSet labels = LabelSet.Create(["caf\u00E9", "tea"], "train.csv");

        var error = Assert.Throws<UserInputException>(() => labels.IndexOf(new LabeledText("A flat white", "cafe\u0301", 7), "val.csv"));

        Assert.Equal("val.csv line 7: label 'cafe\u0301' is not one of the training labels 'caf\u00E9', 'tea'; labels are compared exactly, " +
            "and 'caf\u00E9' looks alike but is written with other characters (U+00E9 there, U+0065 U+0301 here)", error.Message);
    }

    [Theory]
    [InlineData("d.csv", "text,label\ngood,caf\u00E9\nfine,tea\nbad,cafe\u0301\n")]
    [InlineData("d.jsonl", "{\"text\": \"good\", \"label\": \"caf\\u00e9\"}\n{\"text\": \"fine\", \"label\": \"tea\"}\n{\"text\": \"bad\", \"label\": \"cafe\\u0301\"}\n")]
    public void LabelsThatLookAlikeAreRefusedNamingBothLines(string name, string content)
    {
        string path = _folder.Write(name, content);
        int header = name.EndsWith(".csv", StringComparison.Ordinal) ? 1 : 0;

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Read(path));

        Assert.Equal(
            $"{path} lines {1 + header} and {3 + header}: the labels 'caf\u00E9' and 'cafe\u0301' look alike but are written with different characters " +
            "(U+00E9 in the first, U+0065 U+0301 in the second), so they would be trained as different classes; write them one way",
            error.Message);
    }

    [Fact]
    public void NoExamplesIsAUserError()
    {
        var error = Assert.Throws<UserInputException>(() => LabelSet.Create([], "d.csv"));

        Assert.Equal("d.csv has no examples; a classifier needs at least two labels", error.Message);
    }

    [Fact]
    public void FromFileReadsEveryLabel()
    {
        string path = _folder.Write("d.jsonl", "{\"text\":\"a\",\"label\":3}\n{\"text\":\"b\",\"label\":1}\n{\"text\":\"c\",\"label\":3}\n");

        Assert.Equal(["1", "3"], LabelSet.FromFile(LabeledTextFile.Open(path)).ToArray());
    }

    [Fact]
    public void JsonRoundTripKeepsTheSavedOrder()
    {
        LabelSet labels = LabelSet.Create(["b", "a"], "d.csv");

        string json = labels.ToJson();
        LabelSet reversed = LabelSet.FromJson("[\"b\",\"a\"]", "labels.json");

        Assert.Equal("[\"a\",\"b\"]", json);
        Assert.Equal(["a", "b"], LabelSet.FromJson(json, "labels.json").ToArray());
        Assert.Equal(["b", "a"], reversed.ToArray());
        Assert.Equal(0, reversed.IndexOf("b"));
    }

    [Theory]
    [InlineData("{\"a\":1}", "labels.json: expected a JSON array of label strings")]
    [InlineData("[\"a\"]", "labels.json: expected a JSON array of at least two non-empty label strings")]
    [InlineData("[\"a\",\"\"]", "labels.json: expected a JSON array of at least two non-empty label strings")]
    [InlineData("[\"a\",\"b\",\"a\"]", "labels.json: label 'a' is listed twice")]
    public void BadJsonIsAUserError(string json, string expected)
    {
        var error = Assert.Throws<UserInputException>(() => LabelSet.FromJson(json, "labels.json"));

        Assert.StartsWith(expected, error.Message);
    }
}
