using System.Text;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.Tests.FineTuningService;

/// <summary>
/// The upload's text check as the bytes arrive in reads of any size: a UTF-8 character split between two reads is text,
/// and the first byte that is not is named by its offset in the file and its line, whichever read it came in.
/// </summary>
public sealed class UploadContentScanTests
{
    private static string? ProblemOf(byte[] bytes, int readSize)
    {
        var scan = new UploadContentScan();
        for (int at = 0; at < bytes.Length; at += readSize)
        {
            scan.Read(bytes.AsSpan(at, Math.Min(readSize, bytes.Length - at)));
            if (scan.NotTextProblem("f.csv", ended: false) is { } problem) return problem;
        }
        return scan.NotTextProblem("f.csv", ended: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(4096)]
    public void TextBeyondAsciiSplitAcrossReadsIsText(int readSize)
    {
        byte[] text = Encoding.UTF8.GetBytes("\uFEFFtext,label\né,€\n東京,😀\n");
        Assert.Null(ProblemOf(text, readSize));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4096)]
    public void TheFirstByteThatIsNotTextIsNamedByItsOffsetAndLineWhateverTheReads(int readSize)
    {
        // "a\n€\n" then a 4-byte character cut after 2 bytes and followed by a letter: invalid at offset 6, line 3.
        byte[] bytes = [.. Encoding.UTF8.GetBytes("a\n€\n"), 0xF0, 0x9F, (byte)'x', (byte)'\n', 0x00];
        Assert.StartsWith("'f.csv' is not UTF-8 text: at byte offset 6 (line 3), 0xF0 0x9F are not a UTF-8 character; ", ProblemOf(bytes, readSize));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public void ANulByteAndSurrogatesEncodedAsUtf8AreNotText(int readSize)
    {
        Assert.StartsWith("'f.csv' is not UTF-8 text: at byte offset 3 (line 2), a NUL byte; ", ProblemOf([(byte)'a', (byte)'\r', (byte)'\n', 0x00], readSize));
        // U+D800 written as UTF-8 (CESU-8's way): no UTF-8 reader takes it.
        Assert.StartsWith("'f.csv' is not UTF-8 text: at byte offset 1 (line 1), 0xED is not a UTF-8 character; ", ProblemOf([(byte)'a', 0xED, 0xA0, 0x80], readSize));
    }
}
