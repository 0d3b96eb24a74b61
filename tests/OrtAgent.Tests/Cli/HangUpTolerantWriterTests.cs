using OrtAgent.Cli;

namespace OrtAgent.Tests.Cli;

public sealed class HangUpTolerantWriterTests
{
    /// <summary>Fails every write with the IOException .NET throws for an errno, as a hung-up terminal (EIO) or a closed pipe (EPIPE) does.</summary>
    private sealed class FailingWriter(int errno) : TextWriter
    {
        public int Writes { get; private set; }

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            Writes++;
            throw new IOException("write failed", errno);
        }
    }

    [UnixFact("the hang-up errors (EIO, EPIPE) are Unix error numbers")]
    public void AfterTheTerminalHungUpWritesGoNowhere()
    {
        var terminal = new FailingWriter(5);
        var writer = new HangUpTolerantWriter(terminal);

        writer.Write("step 41");
        writer.WriteLine("cancelled");
        writer.Flush();

        Assert.Equal(1, terminal.Writes);   // the first failure; nothing is tried after it
    }

    [Fact]
    public void AClosedPipeStillFails()
    {
        var writer = new HangUpTolerantWriter(new FailingWriter(32));

        Assert.Throws<IOException>(() => writer.Write('x'));
    }

    /// <summary>
    /// <c>predict … --json &gt; out.json</c> on a full disk (checked by hand with <c>&gt; /dev/full</c>): the CLI's line was
    /// "error: the disk is full: No space left on device", naming nothing; it names the stream now, still as a full disk.
    /// </summary>
    [UnixFact("ENOSPC (28) is a Unix error number")]
    public void AFullDiskIsNamedAsTheStreamAndStaysAFullDisk()
    {
        var writer = new HangUpTolerantWriter(new FailingWriter(28));   // standard output, as Console.Out is installed

        var thrown = Assert.Throws<FullStreamException>(() => writer.WriteLine("{\"label\": \"positive\"}"));

        Assert.Equal("standard output: write failed", thrown.Message);
        Assert.True(OrtAgent.Training.Checkpoints.DiskFull.Is(thrown));
    }

    [Fact]
    public void WritesPassThroughWhileTheTerminalIsThere()
    {
        var inner = new StringWriter();
        var writer = new HangUpTolerantWriter(inner);

        writer.Write("a");
        writer.Write(['b', 'c'], 0, 2);
        writer.Write("d".AsSpan());
        writer.WriteLine("e");

        Assert.Equal("abcde" + inner.NewLine, inner.ToString());
    }
}
