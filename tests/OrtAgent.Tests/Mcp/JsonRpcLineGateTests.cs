using System.Text;
using System.Text.Json;
using OrtAgent.Mcp;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// The stdio gate held a line until its line break, however long: a client writing gigabytes without one grew the
/// server's memory without limit. A line over the bound is answered as soon as it passes the bound, its bytes dropped
/// up to its line break, and the lines after it are served. JSON that is not a JSON-RPC message is answered too.
/// </summary>
public sealed class JsonRpcLineGateTests
{
    private const int MaxLine = 1024;
    private const string Ping = """{"jsonrpc":"2.0","id":7,"method":"ping"}""";

    /// <summary>
    /// A gate with no server behind it: nothing ever answers a forwarded request, so the wait for answers once the input
    /// ends (30 s by default, as <c>mcp</c> drains) is given none; these tests read what was forwarded, not that wait.
    /// </summary>
    private static JsonRpcLineGate Gate(Stream input, Stream output, TextWriter log) =>
        new(input, output, log, MaxLine, answerWait: TimeSpan.Zero);

    [Fact]
    public async Task ALineOverTheBoundIsAnsweredBeforeItEndsAndTheNextLineIsServed()
    {
        var output = new RecordingStream();
        // 8 MiB without a line break, then the break and a request: the answer must be out after the bound plus 64 KiB
        // was read, long before the line ends (held whole, it was answered only at its end, as a parse error).
        var input = new EndlessLine(MaxLine + 64 * 1024, 8 * 1024 * 1024, $"\n{Ping}\n", output);
        var log = new StringWriter();
        var gate = Gate(input, output, log);

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
        var gate = Gate(new MemoryStream(Encoding.UTF8.GetBytes($"{atTheBound}\n{over}\n{Ping}")), output, new StringWriter());

        await gate.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Contains("line 2 of the input is longer than 1,024 bytes", Assert.Single(output.Lines()));
        Assert.Equal($"{atTheBound}\n{Ping}\n", await new StreamReader(gate.ServerInput).ReadToEndAsync());
    }

    /// <summary>
    /// JSON that is not a JSON-RPC message the SDK reads was dropped by its transport without a word, and a client
    /// waited for ever: each is Invalid Request with one warning line, with the id of a request the client waits on
    /// when it has one, else null; <c>{"jsonrpc":"2.0","id":13}</c>, which is JSON, was a parse error.
    /// </summary>
    [Theory]
    [InlineData("""[{"jsonrpc":"2.0","id":9,"method":"tools/list"}]""", null, "it is an array (a batch), which this server does not take")]
    [InlineData("[]", null, "it is an array (a batch)")]
    [InlineData("5", null, "it is a number, not a JSON-RPC object")]
    [InlineData("\"str\"", null, "it is a string, not a JSON-RPC object")]
    [InlineData("""{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}""", null, "its \"id\" is an object; an id is a string or an integer")]
    [InlineData("""{"jsonrpc":"2.0","id":1.5,"method":"ping"}""", null, "its \"id\" is a number that is not an integer")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"ping"}""", null, "its \"id\" is null")]
    [InlineData("""{"jsonrpc":"2.0","method":5}""", null, "its \"method\" is a number, not a string")]
    [InlineData("""{"jsonrpc":"2.0","id":13}""", null, "it has an \"id\" but no \"method\", \"result\" or \"error\"")]
    [InlineData("""{"jsonrpc":"2.0","params":{}}""", null, "it has neither a \"method\" nor an \"id\"")]
    [InlineData("""{"jsonrpc":"2.0","id":4,"error":"failed"}""", null, "its \"error\" is a string, not an object")]
    [InlineData("""{"id":14,"method":"ping"}""", "14", "it has no \"jsonrpc\": \"2.0\"")]
    [InlineData("""{"jsonrpc":"1.0","id":"a-15","method":"ping"}""", "\"a-15\"", "its \"jsonrpc\" is not \"2.0\"")]
    [InlineData("""{"jsonrpc":"2.0","id":16,"method":"\ud800"}""", "16", "its \"method\" is a string holding half a surrogate pair")]
    public async Task JsonThatIsNotAJsonRpcMessageIsInvalidRequestAndOneWarningLine(string line, string? id, string says)
    {
        var output = new RecordingStream();
        var log = new StringWriter();
        var gate = Gate(new MemoryStream(Encoding.UTF8.GetBytes($"{Ping}\n{line}\n{Ping}\n")), output, log);

        await gate.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        using var answer = JsonDocument.Parse(Assert.Single(output.Lines()));
        Assert.Equal(id ?? "null", answer.RootElement.GetProperty("id").GetRawText());
        var error = answer.RootElement.GetProperty("error");
        Assert.Equal(-32600, error.GetProperty("code").GetInt32());
        Assert.StartsWith($"Invalid Request: line 2 of the input is JSON but not a JSON-RPC message: {says}", error.GetProperty("message").GetString());
        string warning = Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r');
        Assert.StartsWith($"warning: line 2 of the input is JSON but not a JSON-RPC message: {says}", warning);
        Assert.EndsWith("; it was answered with -32600", warning);
        Assert.Equal($"{Ping}\n{Ping}\n", await new StreamReader(gate.ServerInput).ReadToEndAsync());
    }

    /// <summary>Every message the SDK's converter reads goes through unchanged, however loosely written; blank lines too.</summary>
    [Fact]
    public async Task MessagesTheSdkReadsAreForwardedUnchangedAndUnanswered()
    {
        string[] lines =
        [
            """{"jsonrpc":"2.0","id":"s-1","method":"ping"}""",
            """{"method":"notifications/initialized","jsonrpc":"2.0","params":[1,{"deep":[null]}],"extra":{"a":[1,2]}}""",
            """{"jsonrpc":"2.0","id":2,"result":null}""",
            """{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"no"}}""",
            """{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"no"}}""",
            """{"jsonrpc":"2.0","method":null,"id":4,"result":{}}""",
            """{"jsonrpc":"2.0","id":-9223372036854775808,"method":"ping"}""",
            """ {"jsonrpc" : "2.0", "id" : 5, "method" : "p\u0069ng"}  """,
            "   ",
            // White space beyond a space and a tab, which the SDK's transport skips as blank: a form feed, a vertical
            // tab, a no-break space, a line separator, an ideographic space.
            "\f\v \u00A0\u2028\u3000",
        ];
        var output = new RecordingStream();
        var log = new StringWriter();
        string input = string.Join("\n", lines) + "\n";
        var gate = Gate(new MemoryStream(Encoding.UTF8.GetBytes(input)), output, log);

        await gate.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Empty(output.Lines());
        Assert.Equal("", log.ToString());
        Assert.Equal(input, await new StreamReader(gate.ServerInput).ReadToEndAsync());
    }

    /// <summary>
    /// A UTF-8 byte order mark starting the input (Windows tools write one) was refused as "'0xEF' is an invalid start
    /// of a value": it is skipped there, also when it arrives a byte at a time, and only there (one starting a later
    /// line is in it, as the SDK's reader reads it).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AByteOrderMarkStartingTheInputIsSkippedAndOnlyThere(bool aByteAtATime)
    {
        const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";
        byte[] mark = [0xEF, 0xBB, 0xBF], line = Encoding.UTF8.GetBytes(Initialized + "\n");
        byte[] input = [.. mark, .. line, .. mark, .. line];
        var output = new RecordingStream();
        var gate = Gate(aByteAtATime ? new OneByteReads(input) : new MemoryStream(input), output, new StringWriter());

        await gate.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        var served = new MemoryStream();
        await gate.ServerInput.CopyToAsync(served);
        Assert.Equal(line, served.ToArray());
        using var answer = JsonDocument.Parse(Assert.Single(output.Lines()));
        Assert.StartsWith("Parse error: line 2 of the input is not JSON ('0xEF' is an invalid start of a value",
            answer.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    /// <summary>A stream that hands out <paramref name="bytes"/> one per read.</summary>
    private sealed class OneByteReads(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(1, buffer.Length)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(1, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));
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
