using System.Text;
using OrtAgent.Data;

namespace OrtAgent.Training.Tests.Data;

public sealed class Utf8FileCheckTests : IDisposable
{
    private readonly TempDirectory _folder = new("utf8");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("d.csv", "text,label\nfine,a\nCafé au lait,b\n", 3)]
    [InlineData("d.tsv", "text\tlabel\nfine\ta\nCafé au lait\tb\n", 3)]
    [InlineData("d.jsonl", "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":\"Café au lait\",\"label\":\"b\"}\n", 2)]
    public void AFileSavedAsLatin1IsRefusedNamingTheLineAndTheByte(string name, string content, int line)
    {
        string path = WriteBytes(name, Encoding.Latin1.GetBytes(content));

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path));

        Assert.StartsWith($"{path} line {line}: byte 0xE9 after ", error.Message);
        Assert.Contains("Caf\" is not UTF-8", error.Message);
        Assert.EndsWith("save it as UTF-8", error.Message);
    }

    [Fact]
    public void FilesToClassifyAreCheckedToo()
    {
        string path = WriteBytes("in.csv", Encoding.Latin1.GetBytes("text\nNaïve\n"));

        var error = Assert.Throws<UserInputException>(() => UnlabeledTextFile.Open(path));

        Assert.StartsWith($"{path} line 2: byte 0xEF after \"Na\" is not UTF-8", error.Message);
    }

    [Fact]
    public void AReplacementCharacterWrittenInUtf8IsOrdinaryText()
    {
        string path = _folder.Write("d.csv", "text,label\nmail with \uFFFD inside,spam\nplain,ham\n");

        LabeledTextFile file = LabeledTextFile.Open(path);

        Assert.Equal("mail with \uFFFD inside", file.First().Text);
    }

    [Theory]
    [InlineData("utf-16")]      // little-endian, as Windows writes it
    [InlineData("utf-16BE")]
    public void Utf16WithoutAByteOrderMarkIsRefusedAsSuch(string encoding)
    {
        string path = WriteBytes("d.csv", Encoding.GetEncoding(encoding).GetBytes("text,label\nCafé,a\n"));

        Assert.Equal($"{path} looks like UTF-16 text without a byte-order mark (every other byte is NUL); save it as UTF-8, or as UTF-16 with a byte-order mark",
            Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path)).Message);
    }

    [Fact]
    public void Utf16WithAByteOrderMarkIsReadByItsMark()
    {
        string path = WriteBytes("d.csv", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("text,label\nCafé,a\n")]);

        LabeledTextFile file = LabeledTextFile.Open(path);

        Assert.Equal(new LabeledText("Café", "a", 2), file.Single());
    }

    [Fact]
    public void ACharacterSplitByTheScanChunkIsValidAndLaterLinesAreCountedAcrossChunks()
    {
        // The scan reads 1 MiB at a time: put an 'é' (two bytes) across that boundary, then a bad byte two lines later.
        const int chunk = 1 << 20;
        var bytes = new List<byte>(Encoding.UTF8.GetBytes("text,label\n"));
        int lines = 1;
        while (bytes.Count < chunk - 100)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes("a filler line of text,x\n"));
            lines++;
        }
        bytes.AddRange(Enumerable.Repeat((byte)'z', chunk - 1 - bytes.Count));
        bytes.AddRange(Encoding.UTF8.GetBytes("é,x\nfine,x\nbad "));
        bytes.Add(0x80);
        bytes.AddRange(Encoding.UTF8.GetBytes(",x\n"));
        Assert.Equal(0xC3, bytes[chunk - 1]);
        string path = WriteBytes("big.csv", [.. bytes]);

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path));

        Assert.StartsWith($"{path} line {lines + 3}: byte 0x80 after \"bad \" is not UTF-8", error.Message);
    }

    [Fact]
    public void ACharacterCutOffByTheEndOfTheFileIsRefused()
    {
        string path = WriteBytes("d.csv", [.. Encoding.UTF8.GetBytes("text,label\nok,a\nend"), 0xC3]);

        var error = Assert.Throws<UserInputException>(() => LabeledTextFile.Open(path));

        Assert.StartsWith($"{path} line 3: byte 0xC3 after \"end\" is not UTF-8", error.Message);
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = _folder.Combine(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
