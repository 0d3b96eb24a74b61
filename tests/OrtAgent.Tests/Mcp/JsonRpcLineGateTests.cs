using System.Text;
using System.Text.Json;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// The stdio gate held a line until its line break, however long: a client writing gigabytes without one grew the
/// server's memory without limit. A line over the bound is answered as soon as it passes the bound, its bytes dropped
/// up to its line break, and the lines after it are served.
/// </summary>
public sealed class JsonRpcLineGateTests
{
    private const int MaxLine = 1024;
    private const string Ping = """{"jsonrpc":"2.0","id":7,"method":"ping"}""";

    [Fact]
    public async Task ALineOverTheBoundIsAnsweredBeforeItEndsAndTheNextLineIsServed()
    {
        var output = new RecordingStream();
        // 8 MiB without a line break, then the break and a request: the answer must be out after the bound plus 64 KiB
        // was read, long before the line ends (held whole, it was answered only at its end, as a parse error).
        var input = new EndlessLine(MaxLine + 64 * 1024, 8 * 1024 * 1024, $"\n{Ping}\n", output);
        var log = new StringWriter();
        var gate = new JsonRpcLineGate(input, output, log, MaxLine);

        await gate.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(input.AnsweredInTime, "the long line was not answered before the bound plus 64 KiB had been read");
        using var answer = JsonDocument.Parse(Assert.Single(output.Lines()));
        Assert.Equal(JsonValueKind.Null, answer.RootElement.GetProperty("id").ValueKind);
        var error = answer.RootElement.GetProperty("error");
        Assert.Equal(-32600, error.GetProperty("code").GetInt32());
        Assert.Equal("Invalid Request: line 1 of the input is longer than 1,024 bytes, the most one message may take; it was not read", error.GetProperty("message").GetString());
        Assert.Equal("warning: line 1 of the input is longer than 1,024 bytes, the most one message may take; it was dropped and answered with -32600\n",
            log.ToString().ReplaceLineEndings("\n"));
        // Only the request after it reached the server, whole.
        Assert.Equal(Ping + "\n", await new StreamReader(gate.ServerInput).ReadToEndAsync());
    }

    [Fact]
    public async Task ALineAtTheBoundIsForwardedAndOneArrivingWholeOverItIsAnswered()
    {
        const string start = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\",\"params\":{\"p\":\"", end = "\"}}";
        static string Line(int bytes) => start + new string('a', bytes - start.Length - end.Length) + end;
        string atTheBound = Line(MaxLine), over = Line(MaxLine + 1);
        Assert.Equal(MaxLine, Encoding.UTF8.GetByteCount(atTheBound));
        var output = new RecordingStream();
        var gate = new JsonRpcLineGate(new MemoryStream(Encoding.UTF8.GetBytes($"{atTheBound}\n{over}\n{Ping}")), output, new StringWriter(), MaxLine);

        await gate.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Contains("line 2 of the input is longer than 1,024 bytes", Assert.Single(output.Lines()));
        Assert.Equal($"{atTheBound}\n{Ping}\n", await new StreamReader(gate.ServerInput).ReadToEndAsync());
    }

    /// <summary>What the gate writes, readable while it writes.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly MemoryStream _written = new();

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_written) _written.Write(buffer, offset, count);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.ToArray(), 0, buffer.Length);
            return ValueTask.CompletedTask;
        }

        public bool HasWritten
        {
            get { lock (_written) return _written.Length > 0; }
        }

        public string[] Lines()
        {
            lock (_written) return Encoding.UTF8.GetString(_written.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>
    /// <paramref name="length"/> bytes of 'x' then <paramref name="tail"/>, handed out in reads of 16 KiB; notes whether
    /// <paramref name="output"/> had an answer by the time <paramref name="answerBy"/> bytes were read.
    /// </summary>
    private sealed class EndlessLine(long answerBy, long length, string tail, RecordingStream output) : Stream
    {
        private readonly byte[] _tail = Encoding.UTF8.GetBytes(tail);
        private long _position;
        private bool _checked;

        public bool AnsweredInTime { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!_checked && _position >= answerBy)
            {
                _checked = true;
                AnsweredInTime = output.HasWritten;
            }
            int n;
            if (_position < length)
            {
                n = (int)Math.Min(Math.Min(buffer.Length, 16 * 1024), length - _position);
                buffer[..n].Fill((byte)'x');
            }
            else
            {
                long inTail = _position - length;
                n = (int)Math.Min(buffer.Length, _tail.Length - inTail);
                if (n <= 0) return 0;
                _tail.AsSpan((int)inTail, n).CopyTo(buffer);
            }
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
