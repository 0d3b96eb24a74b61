using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace OrtAgent.Mcp;

/// <summary>
/// Stands between the process's stdin and stdout and the MCP SDK's stream transport, which drops a line that is not JSON,
/// or is JSON but not a JSON-RPC message it reads, without a word. The first gets JSON-RPC's parse error (<c>-32700</c>,
/// id null) naming the line; the second Invalid Request (<c>-32600</c>, id null unless it reads as a request with an id)
/// saying what is wrong, and one stderr line (<see cref="JsonRpcLineCheck"/>); every other line goes to the server unchanged. The server's output is written a whole line at a time under the same lock as those
/// answers, so the two never interleave mid-message. A line longer than <see cref="DefaultMaxLineBytes"/> is not held:
/// its bytes are dropped as they arrive, up to its line break, and it is answered with <c>-32600</c> and one stderr line,
/// then the next line is served; a client writing gigabytes without a line break grew the server's memory without limit.
/// Lines end where the SDK's transport ends them: at <c>"\n"</c>, <c>"\r\n"</c> or a lone <c>"\r"</c>.
/// When stdin ends, the server's input is ended only once every request it was given has been answered (or cancelled
/// by the client), for at most the wait given: the SDK's transport, told of the end at once, can no longer write, so
/// the answers to calls a piped client sent just before closing its input were lost while their work went on.
/// </summary>
internal sealed class JsonRpcLineGate
{
    public const int ParseError = JsonRpcLineCheck.ParseError;

    public const int InvalidRequest = JsonRpcLineCheck.InvalidRequest;

    /// <summary>
    /// The longest line forwarded, 64 MiB: far above a <c>classify_text</c> call (its texts are bounded well below it by
    /// <see cref="ToolLimits"/>), low enough that holding one costs little memory. <c>start_fine_tuning</c>'s inline
    /// <c>training_data</c> is the one argument it bounds; over stdio that tool takes a path for larger files, and says so.
    /// </summary>
    public const int DefaultMaxLineBytes = 64 * 1024 * 1024;

    private static readonly ReadOnlyMemory<byte> LineEnd = "\n"u8.ToArray();

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Pipe _toServer = new();
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly long _maxLineBytes;
    private readonly TextWriter _log;
    private readonly TimeSpan _answerWait;
    // The requests given to the server and not yet answered, by id (a client may reuse one); guarded by itself.
    private readonly Dictionary<object, int> _unanswered = [];
    private TaskCompletionSource? _allAnswered;

    /// <param name="input">What the client writes (stdin).</param>
    /// <param name="output">What the client reads (stdout); only whole lines are written to it.</param>
    /// <param name="log">Where a line too long, or one that is not a JSON-RPC message, is told (stderr).</param>
    /// <param name="maxLineBytes">The longest line forwarded, line break not counted; longer ones are dropped and answered.</param>
    /// <param name="answerWait">How long the requests unanswered when the input ends are waited for before the server's input ends; 30 s when null, as <c>serve</c> drains.</param>
    public JsonRpcLineGate(Stream input, Stream output, TextWriter log, long maxLineBytes = DefaultMaxLineBytes, TimeSpan? answerWait = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _input = input;
        _output = output;
        _log = log;
        _maxLineBytes = maxLineBytes;
        _answerWait = answerWait ?? TimeSpan.FromSeconds(30);
        ServerInput = _toServer.Reader.AsStream();
        ServerOutput = new WholeLines(this);
    }

    /// <summary>The lines that are JSON, for the server's transport to read.</summary>
    public Stream ServerInput { get; }

    /// <summary>Where the server's transport writes; each line reaches <c>output</c> whole.</summary>
    public Stream ServerOutput { get; }

    /// <summary>
    /// Reads the input to its end, forwarding JSON lines and answering the others; then, once the requests given to the
    /// server are answered (within the answer wait, and until <paramref name="cancellationToken"/>), ends the server's input.
    /// </summary>
    public async Task PumpAsync(CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(_input);
        long line = 0;
        // Bytes of the buffer's start already searched for a line break, so a long line is scanned once, not on every read.
        long searched = 0;
        // Within a line too long, already answered: its bytes are dropped up to its line break.
        bool dropping = false;
        // The last line ended with "\r" at the end of what had arrived: a "\n" next belongs to that line break.
        bool afterCarriageReturn = false;
        // Before the first byte of the input: a UTF-8 byte order mark there (Windows tools write one) is no part of the
        // first line, as the SDK's reader took it; it was refused as "'0xEF' is an invalid start of a value".
        bool atStart = true;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = read.Buffer;
                if (atStart)
                {
                    if (buffer.Length < JsonRpcLineCheck.ByteOrderMark.Length && !read.IsCompleted && JsonRpcLineCheck.StartsWith(buffer, JsonRpcLineCheck.ByteOrderMark))
                    {
                        // What has arrived may be the start of one: told once the rest arrives.
                        reader.AdvanceTo(buffer.Start, buffer.End);
                        continue;
                    }
                    buffer = JsonRpcLineCheck.WithoutByteOrderMark(buffer);
                    atStart = false;
                }
                if (afterCarriageReturn && !buffer.IsEmpty)
                {
                    buffer = SkipLineFeed(buffer);
                    afterCarriageReturn = false;
                }
                while (LineBreak(buffer.Slice(searched)) is (var end, var carriageReturn))
                {
                    var text = buffer.Slice(0, end);
                    if (dropping) dropping = false;
                    else if (text.Length > _maxLineBytes) await RefuseTooLongAsync(++line, cancellationToken).ConfigureAwait(false);
                    else await ForwardAsync(text, ++line, cancellationToken).ConfigureAwait(false);
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                    searched = 0;
                    if (carriageReturn)
                    {
                        if (buffer.IsEmpty) afterCarriageReturn = true;
                        else buffer = SkipLineFeed(buffer);
                    }
                }
                if (!dropping && buffer.Length > _maxLineBytes)
                {
                    // Answered now, before its end arrives (it may never): what the client sent after it is served.
                    await RefuseTooLongAsync(++line, cancellationToken).ConfigureAwait(false);
                    dropping = true;
                }
                if (dropping)
                {
                    buffer = buffer.Slice(buffer.End);
                    searched = 0;
                }
                else
                {
                    searched = buffer.Length;
                }
                if (read.IsCompleted)
                {
                    // A last line without its line break is still a message.
                    if (!buffer.IsEmpty) await ForwardAsync(buffer, ++line, cancellationToken).ConfigureAwait(false);
                    await AllAnswered().WaitAsync(_answerWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    break;
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await _toServer.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Where the first line of <paramref name="buffer"/> ends, and whether at a <c>"\r"</c>; null while no line break has
    /// arrived. A line ends where the SDK's stream transport ends it (<c>StreamReader.ReadLineAsync</c>): at <c>"\n"</c>,
    /// <c>"\r\n"</c> or a lone <c>"\r"</c>. Split at <c>"\n"</c> alone, a line holding a lone <c>"\r"</c> was judged
    /// whole here (two messages on it: a parse error) and served as two lines by the SDK, or the other way round.
    /// </summary>
    private static (SequencePosition End, bool CarriageReturn)? LineBreak(ReadOnlySequence<byte> buffer)
    {
        long offset = 0;
        foreach (var segment in buffer)
        {
            int at = segment.Span.IndexOfAny((byte)'\r', (byte)'\n');
            if (at >= 0) return (buffer.GetPosition(offset + at), segment.Span[at] == (byte)'\r');
            offset += segment.Length;
        }
        return null;
    }

    /// <summary><paramref name="buffer"/> past a <c>"\n"</c> it begins with, the second half of a <c>"\r\n"</c>.</summary>
    private static ReadOnlySequence<byte> SkipLineFeed(ReadOnlySequence<byte> buffer)
    {
        Span<byte> first = stackalloc byte[1];
        buffer.Slice(0, 1).CopyTo(first);
        return first[0] == (byte)'\n' ? buffer.Slice(1) : buffer;
    }

    private async Task RefuseTooLongAsync(long line, CancellationToken cancellationToken)
    {
        string problem = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"line {line} of the input is longer than {_maxLineBytes:N0} bytes, the most one message may take");
        await _log.WriteLineAsync($"warning: {problem}; it was dropped and answered with {InvalidRequest}").ConfigureAwait(false);
        await AnswerAsync(InvalidRequest, $"Invalid Request: {problem}; it was not read", null, cancellationToken).ConfigureAwait(false);
    }

    private async Task ForwardAsync(ReadOnlySequence<byte> text, long line, CancellationToken cancellationToken)
    {
        switch (JsonRpcLineCheck.Check(text, out var expectation))
        {
            case null:
                // Counted before the server can see it, so its answer never comes first.
                if (expectation.RequestId is { } request) Expect(request);
                if (expectation.CancelledId is { } cancelled) Answered(cancelled);
                foreach (var segment in text) await _toServer.Writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                await _toServer.Writer.WriteAsync(LineEnd, cancellationToken).ConfigureAwait(false);
                return;
            case { Code: ParseError } refusal:
                await AnswerAsync(ParseError, $"{JsonRpcLineCheck.Answer(refusal, $"line {line} of the input")}; each line must be one JSON-RPC message", refusal.Id, cancellationToken).ConfigureAwait(false);
                return;
            case { } refusal:
                // The SDK dropped these without a word, and a client waiting on its request waited for ever.
                string subject = $"line {line} of the input";
                await _log.WriteLineAsync($"warning: {JsonRpcLineCheck.Problem(refusal, subject)}; it was answered with {refusal.Code}").ConfigureAwait(false);
                await AnswerAsync(refusal.Code, JsonRpcLineCheck.Answer(refusal, subject), refusal.Id, cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>
    /// Writes a JSON-RPC error answering a line the server was not given: with the id of a request the line could be read
    /// as, else null (a line that could not be read for one).
    /// </summary>
    private async Task AnswerAsync(int code, string message, object? id, CancellationToken cancellationToken)
    {
        var answer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(answer))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            switch (id)
            {
                case string text: json.WriteString("id", text); break;
                case long number: json.WriteNumber("id", number); break;
                default: json.WriteNull("id"); break;
            }
            json.WriteStartObject("error");
            json.WriteNumber("code", code);
            json.WriteString("message", message);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        answer.Write("\n"u8);
        await WriteLineAsync(answer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private void Expect(object id)
    {
        lock (_unanswered) _unanswered[id] = _unanswered.GetValueOrDefault(id) + 1;
    }

    private void Answered(object id)
    {
        TaskCompletionSource? all = null;
        lock (_unanswered)
        {
            if (!_unanswered.TryGetValue(id, out int waiting)) return;
            if (waiting > 1) _unanswered[id] = waiting - 1;
            else _unanswered.Remove(id);
            if (_unanswered.Count == 0) (all, _allAnswered) = (_allAnswered, null);
        }
        all?.TrySetResult();
    }

    private Task AllAnswered()
    {
        lock (_unanswered)
            return _unanswered.Count == 0 ? Task.CompletedTask
                : (_allAnswered ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    /// <summary>Marks the responses among the server's <paramref name="lines"/> (messages with an id and no method) answered.</summary>
    private void NoteAnswers(ReadOnlySpan<byte> lines)
    {
        foreach (var range in lines.Split((byte)'\n'))
            if (JsonRpcLineCheck.AnsweredId(lines[range]) is { } id) Answered(id);
    }

    private async Task WriteLineAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>The server's output stream: holds what it writes until a line ends, then writes the line through the gate.</summary>
    private sealed class WholeLines(JsonRpcLineGate gate) : Stream
    {
        private readonly ArrayBufferWriter<byte> _pending = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _pending.Write(buffer.Span);
            int end = _pending.WrittenSpan.LastIndexOf((byte)'\n');
            if (end < 0) return;
            var lines = _pending.WrittenMemory[..(end + 1)].ToArray();
            var rest = _pending.WrittenSpan[(end + 1)..].ToArray();
            _pending.Clear();
            _pending.Write(rest);
            await gate.WriteLineAsync(lines, cancellationToken).ConfigureAwait(false);
            gate.NoteAnswers(lines);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }

        // Lines are flushed as they complete; a partial one waits for its end.
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
