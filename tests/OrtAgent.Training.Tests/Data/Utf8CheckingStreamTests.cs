using System.Text;
using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

public sealed class Utf8CheckingStreamTests : IDisposable
{
    private readonly TempDirectory _folder = new("utf8-pass");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("d.csv", "text,label\nfine,a\nsoup,b\n", "text,label\nfine,a\nCafé au lait,b\n", 3)]
    [InlineData("d.tsv", "text\tlabel\nfine\ta\nsoup\tb\n", "text\tlabel\nfine\ta\nCafé au lait\tb\n", 3)]
    [InlineData("d.jsonl", "{\"text\":\"fine\",\"label\":\"a\"}\n", "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":\"Café au lait\",\"label\":\"b\"}\n", 2)]
    public void AFileRewrittenInAnotherEncodingAfterOpeningIsRefusedOnTheNextPass(string name, string utf8, string latin1, int line)
    {
        string path = _folder.Write(name, utf8);
        LabeledTextFile file = LabeledTextFile.Open(path);
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(latin1));

        var error = Assert.Throws<UserInputException>(() => file.ToList());

        Assert.StartsWith($"{path} line {line}: byte 0xE9 after ", error.Message);
        Assert.Equal(Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path)).Message, error.Message);
    }

    [Fact]
    public void CharactersSplitBetweenReadsPass()
    {
        byte[] text = Encoding.UTF8.GetBytes("aé€😀b\u00A0\uFFFD");

        using var stream = new Utf8CheckingStream(new OneByteAtATime(text), "unused.csv");

        Assert.Equal(text, ReadAll(stream));
    }

    /// <summary>A UTF-16 file read a byte at a time: its mark was judged on the first byte alone (0xFF), so it was refused.</summary>
    [Fact]
    public void AUtf16FileReadAByteAtATimeIsKnownByItsMark()
    {
        byte[] text = [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("text,label\nCafé,b\n")];

        using var stream = new Utf8CheckingStream(new OneByteAtATime(text), "unused.csv");

        Assert.Equal(text, ReadAll(stream));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'a', 0xE2, 0x82 })]   // a character cut off by the end of the file
    [InlineData(new byte[] { (byte)'a', 0xE2, (byte)'b' })]   // a lead byte followed by a plain letter
    public void BytesThatAreNotUtf8AcrossReadsAreRefusedNamingTheLine(byte[] bytes)
    {
        string path = _folder.Combine("d.csv");
        File.WriteAllBytes(path, [.. "text\n"u8, .. bytes]);

        using var stream = new Utf8CheckingStream(new OneByteAtATime(File.ReadAllBytes(path)), path);

        Assert.StartsWith($"{path} line 2: byte 0xE2 after \"a\" is not UTF-8",
            Assert.Throws<UserInputException>(() => ReadAll(stream)).Message);
    }

    private static byte[] ReadAll(Stream stream)
    {
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    // Every read returns one byte, so every character of more than one byte is split between reads.
    private sealed class OneByteAtATime(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(1, count));
    }
}
