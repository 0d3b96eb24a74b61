using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

public sealed class BoundedLineReaderTests
{
    private static List<string> ReadAll(string text, int maxChars = 1000)
    {
        var reader = new BoundedLineReader(new StringReader(text), maxChars);
        var lines = new List<string>();
        while (reader.ReadLine() is string line) lines.Add(line);
        return lines;
    }

    [Theory]
    [InlineData("a\nb\n")]
    [InlineData("a\r\nb\r\n")]
    [InlineData("a\rb\r")]
    [InlineData("a\n\nb")]
    [InlineData("\n")]
    [InlineData("")]
    [InlineData("a\r\n\r\nb\r")]
    public void SplitsLinesAsTextReaderDoes(string text)
    {
        var expected = new List<string>();
        using (var reference = new StringReader(text))
            while (reference.ReadLine() is string line) expected.Add(line);

        Assert.Equal(expected, ReadAll(text));
    }

    [Fact]
    public void ACarriageReturnAtTheEndOfOneBufferAndItsLineFeedInTheNextAreOneEnding()
    {
        // The reader fills 64 Ki characters at a time.
        string first = new('x', 64 * 1024 - 1);
        Assert.Equal([first, "second", "third"], ReadAll(first + "\r\nsecond\r\nthird", maxChars: 100_000));
    }

    [Fact]
    public void ALineUpToTheLimitIsReadAndALongerOneIsRefused()
    {
        Assert.Equal([new string('a', 10), "b"], ReadAll(new string('a', 10) + "\nb", maxChars: 10));

        var reader = new BoundedLineReader(new StringReader("ok\n" + new string('a', 11) + "\n"), 10);
        Assert.Equal("ok", reader.ReadLine());
        Assert.Throws<LineTooLongException>(() => reader.ReadLine());
    }
}
