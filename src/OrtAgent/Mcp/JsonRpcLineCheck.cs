using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace OrtAgent.Mcp;

/// <summary>
/// Reads one stdin line as the MCP SDK's stream transport will, to tell the lines it would drop without a word: not
/// JSON (<c>-32700</c>), or JSON that is not one JSON-RPC message it reads (<c>-32600</c>): an array (a batch, which
/// the SDK takes on no revision), a scalar, or an object its message converter refuses (no <c>"jsonrpc": "2.0"</c>, an
/// id that is neither a string nor an integer, a method that is not a string, an id with neither method, result nor
/// error). The rules are the converter's (ModelContextProtocol's <c>JsonRpcMessage.Converter</c>), no stricter, so
/// that nothing it serves is refused here. One pass over the line, each top-level value skipped, not built. Bytes that
/// are not UTF-8 are a parse error too, which the SDK's reader did not make. HTTP's <c>POST /mcp</c> body is checked
/// with it as well (<c>Serving.McpRequestBodyCheck</c>), so that both transports refuse the same messages in the same words.
/// </summary>
internal static class JsonRpcLineCheck
{
    public const int ParseError = -32700;

    public const int InvalidRequest = -32600;

    public const int InvalidParams = -32602;

    /// <summary>Why a line is refused: the JSON-RPC error code, what is wrong, and the id to answer with.</summary>
    /// <param name="Code"><see cref="ParseError"/>, <see cref="InvalidRequest"/>, or <see cref="InvalidParams"/> for a name given twice inside <c>params</c>.</param>
    /// <param name="Problem">What is wrong, for the client and the log.</param>
    /// <param name="Id">
    /// The message's id (a string or a long) when it has a <c>method</c> and an id a client can wait on, so that its
    /// pending request ends (a parse error has one only for bytes that are not UTF-8 in JSON that reads); otherwise
    /// null, as JSON-RPC answers a message whose id it cannot read.
    /// </param>
    internal readonly record struct Refusal(int Code, string Problem, object? Id);

    /// <summary>What a line the server is given asks of it: the id of a request it will answer, and the id of a request a <c>notifications/cancelled</c> says it will not.</summary>
    /// <param name="RequestId">The id (a string or a long) of a request; null for a notification or a response.</param>
    /// <param name="CancelledId">The <c>params.requestId</c> of a <c>notifications/cancelled</c>; otherwise null.</param>
    internal readonly record struct Expectation(object? RequestId, object? CancelledId);

    /// <summary>Why <paramref name="line"/> would not reach the server as a message; null when it would (or is blank, which the transport skips).</summary>
    public static Refusal? Check(ReadOnlySequence<byte> line) => Check(line, out _);

    /// <inheritdoc cref="Check(ReadOnlySequence{byte})"/>
    /// <param name="line">One line of the input.</param>
    /// <param name="expectation">For a line the server is given, what answer it owes; read in the same pass.</param>
    public static Refusal? Check(ReadOnlySequence<byte> line, out Expectation expectation)
    {
        var refusal = CheckJson(line, out expectation);
        if (refusal is { Code: ParseError }) return refusal;
        if (FirstByteNotUtf8(line) is not { } at)
        {
            if (refusal is not null || IsBlank(line) || RepeatedName(line, expectation.RequestId) is not { } repeated) return refusal;
            expectation = default;
            return repeated;
        }
        // Bytes that are not UTF-8 make no JSON text (RFC 8259), whatever else the line gets right. The SDK's stdio
        // reader turned them into U+FFFD and served the line; over HTTP a string holding them was refused as half a
        // surrogate pair. Said as /predict says it, with the id of a request a client waits on.
        var id = refusal?.Id ?? expectation.RequestId;
        expectation = default;
        return new Refusal(ParseError, $"it is not valid Unicode text: it holds bytes that are not UTF-8, the first at byte offset {at}", id);
    }

    /// <summary>
    /// A name given twice in one object of a message the SDK would otherwise take, with its path (<c>params.arguments.text</c>):
    /// the SDK's read of tool arguments threw on it, answered <c>-32603 "An error occurred."</c> and logged nothing,
    /// where <c>/predict</c> names the field. Inside <c>params</c> it is <see cref="InvalidParams"/>; elsewhere the
    /// message itself is in doubt (which <c>id</c>?), <see cref="InvalidRequest"/>, answered without an id when the id is the name repeated.
    /// </summary>
    private static Refusal? RepeatedName(ReadOnlySequence<byte> line, object? requestId)
    {
        string? path;
        try
        {
            using var document = JsonDocument.Parse(line);
            path = Data.JsonText.RepeatedField(document.RootElement);
        }
        catch (JsonException)
        {
            return null;   // the first pass read it; nothing new to say
        }
        if (path is null) return null;
        string problem = $"names '{path}' twice in one object; give each field once";
        return path.StartsWith("params.", StringComparison.Ordinal)
            ? new Refusal(InvalidParams, problem, requestId)
            : new Refusal(InvalidRequest, "it " + problem, path == "id" ? null : requestId);
    }

    /// <summary>
    /// What is wrong with what was refused, <paramref name="subject"/> naming it (<c>line 3 of the input</c> on stdio,
    /// <c>the body of POST /mcp</c> over HTTP), so that both transports say the same.
    /// </summary>
    public static string Problem(Refusal refusal, string subject) => refusal.Code switch
    {
        ParseError => $"{subject} is not JSON ({refusal.Problem})",
        InvalidParams => $"{subject} {refusal.Problem}",
        _ => $"{subject} is JSON but not a JSON-RPC message: {refusal.Problem}",
    };

    /// <summary>The JSON-RPC error message that answers <paramref name="refusal"/>: its code's name, then <see cref="Problem"/>.</summary>
    public static string Answer(Refusal refusal, string subject) =>
        $"{refusal.Code switch { ParseError => "Parse error", InvalidParams => "Invalid params", _ => "Invalid Request" }}: {Problem(refusal, subject)}";

    /// <summary>The UTF-8 byte order mark, which Windows tools write at the start of a file or a stream.</summary>
    public static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// <paramref name="text"/> past the UTF-8 byte order mark it begins with, if it does. A JSON reader may skip one
    /// (RFC 8259), and the SDK's readers do: a stream's at its start (stdio), a body's (HTTP).
    /// </summary>
    public static ReadOnlySequence<byte> WithoutByteOrderMark(ReadOnlySequence<byte> text) =>
        text.Length >= ByteOrderMark.Length && StartsWith(text, ByteOrderMark) ? text.Slice(ByteOrderMark.Length) : text;

    /// <summary>Whether <paramref name="text"/> begins with <paramref name="prefix"/> (as far as it goes, when shorter).</summary>
    public static bool StartsWith(ReadOnlySequence<byte> text, ReadOnlySpan<byte> prefix)
    {
        Span<byte> start = stackalloc byte[prefix.Length];
        int length = (int)Math.Min(text.Length, prefix.Length);
        text.Slice(0, length).CopyTo(start);
        return start[..length].SequenceEqual(prefix[..length]);
    }

    /// <summary>The offset of the first byte of <paramref name="text"/> that is not part of a UTF-8 character; null when all are.</summary>
    private static long? FirstByteNotUtf8(ReadOnlySequence<byte> text)
    {
        // A character may straddle two segments: a line of several is checked whole (it is rare, and the SDK copies it too).
        ReadOnlySpan<byte> bytes = text.IsSingleSegment ? text.FirstSpan : text.ToArray();
        if (Utf8.IsValid(bytes)) return null;
        int at = 0;
        while (Rune.DecodeFromUtf8(bytes[at..], out _, out int consumed) == OperationStatus.Done) at += consumed;
        return at;
    }

    private static Refusal? CheckJson(ReadOnlySequence<byte> line, out Expectation expectation)
    {
        expectation = default;
        if (IsBlank(line)) return null;
        var reader = new Utf8JsonReader(line);
        string? notAMessage;
        object? id = null;
        try
        {
            if (!reader.Read()) return null;
            notAMessage = reader.TokenType == JsonTokenType.StartObject ? ReadObject(ref reader, out id, out expectation) : NotAnObject(ref reader);
            // A second value, or anything else after the first, is as malformed as a first that never ends.
            if (reader.Read()) return new Refusal(ParseError, $"more follows the first JSON value at byte {reader.TokenStartIndex}", null);
        }
        catch (JsonException ex)
        {
            return new Refusal(ParseError, ex.Message.Split(" LineNumber:")[0].TrimEnd('.'), null);
        }
        return notAMessage is null ? null : new Refusal(InvalidRequest, notAMessage, id);
    }

    private static string NotAnObject(ref Utf8JsonReader reader)
    {
        var kind = reader.TokenType;
        reader.Skip();
        return kind == JsonTokenType.StartArray
            ? "it is an array (a batch), which this server does not take: send each message on its own: a line of its own on stdio, a POST of its own over HTTP (MCP has no batches since 2025-06-18)"
            : $"it is {Described(kind)}, not a JSON-RPC object";
    }

    /// <summary>Reads the object the reader is at to its end; says what makes it no message, or null.</summary>
    private static string? ReadObject(ref Utf8JsonReader reader, out object? answerId, out Expectation expectation)
    {
        answerId = null;
        expectation = default;
        string? problem = null;
        bool hasVersion = false, hasMethod = false, hasResult = false, hasError = false, hasId = false, cancellation = false;
        object? id = null, cancelledId = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string? member = reader.ValueTextEquals("jsonrpc"u8) ? "jsonrpc" : reader.ValueTextEquals("id"u8) ? "id"
                : reader.ValueTextEquals("method"u8) ? "method" : reader.ValueTextEquals("result"u8) ? "result"
                : reader.ValueTextEquals("error"u8) ? "error" : reader.ValueTextEquals("params"u8) ? "params" : null;
            reader.Read();
            var kind = reader.TokenType;
            switch (member)
            {
                case "params" when kind == JsonTokenType.StartObject:
                    // Only its requestId is read (the params of a cancellation); every other value is skipped, as before.
                    cancelledId = ReadRequestId(ref reader);
                    continue;
                case "jsonrpc":
                    hasVersion = true;
                    if (kind != JsonTokenType.String || !reader.ValueTextEquals("2.0"u8)) problem ??= "its \"jsonrpc\" is not \"2.0\"";
                    break;
                case "id":
                    hasId = true;
                    id = ReadId(ref reader);
                    if (id is null && kind != JsonTokenType.Null) problem ??= $"its \"id\" is {Unreadable(kind)}; an id is a string or an integer";
                    break;
                case "method":
                    if (kind == JsonTokenType.Null) break;
                    hasMethod = true;
                    if (kind != JsonTokenType.String) problem ??= $"its \"method\" is {Described(kind)}, not a string";
                    else if (ReadString(ref reader) is not { } method) problem ??= $"its \"method\" is {Unreadable(kind)}";
                    else cancellation = method == "notifications/cancelled";
                    break;
                case "result":
                    hasResult = true;
                    break;
                case "error":
                    if (kind == JsonTokenType.Null) break;
                    hasError = true;
                    if (kind != JsonTokenType.StartObject) problem ??= $"its \"error\" is {Described(kind)}, not an object";
                    break;
            }
            reader.Skip();
        }
        if (!hasVersion) problem ??= "it has no \"jsonrpc\": \"2.0\"";
        if (hasMethod) expectation = new Expectation(id, cancellation && id is null ? cancelledId : null);
        if (hasMethod)
        {
            if (hasId && id is null) problem ??= "its \"id\" is null: a request's id is a string or an integer, and a notification has none";
            // A client waits on a request's id: answered with it, the request ends (the SDK's own answers do the same).
            if (problem is not null) answerId = id;
        }
        else if (id is not null)
        {
            if (!hasResult && !hasError) problem ??= "it has an \"id\" but no \"method\", \"result\" or \"error\"";
        }
        else if (!hasError)
        {
            problem ??= "it has neither a \"method\" nor an \"id\"";
        }
        return problem;
    }

    /// <summary>Reads the params object the reader is at to its end; returns its <c>requestId</c> (a string or a long), or null.</summary>
    private static object? ReadRequestId(ref Utf8JsonReader reader)
    {
        object? requestId = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isRequestId = reader.ValueTextEquals("requestId"u8);
            reader.Read();
            if (isRequestId) requestId = ReadId(ref reader);
            reader.Skip();
        }
        return requestId;
    }

    /// <summary>The id the reader is at, as JSON-RPC's ids are: a string or a long; null for any other value.</summary>
    private static object? ReadId(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => ReadString(ref reader),
        JsonTokenType.Number when reader.TryGetInt64(out long number) => number,
        _ => null,
    };

    /// <summary>
    /// The id of a response the server wrote (a string or a long), read from its top-level members; null for a request,
    /// a notification, or a line that is no JSON object.
    /// </summary>
    public static object? AnsweredId(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty) return null;
        var reader = new Utf8JsonReader(line);
        object? id = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("method"u8)) return null;
                bool isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId) id = ReadId(ref reader);
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return id;
    }

    // The converter reads these with GetString, which refuses text holding half a surrogate pair; null for such text.
    private static string? ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    // A value of a kind the converter takes (a string, a number for an id) that it cannot read as one.
    private static string Unreadable(JsonTokenType kind) => kind switch
    {
        JsonTokenType.String => "a string holding half a surrogate pair",
        JsonTokenType.Number => "a number that is not an integer",
        _ => Described(kind),
    };

    // A value's kind in the words every reader of JSON requests uses (PredictRequestReader.Describe), from the token the
    // reader is at: always a value's first, so no other kind of token comes here.
    private static string Described(JsonTokenType kind) => Serving.PredictRequestReader.Describe(kind switch
    {
        JsonTokenType.StartObject => JsonValueKind.Object,
        JsonTokenType.StartArray => JsonValueKind.Array,
        JsonTokenType.String => JsonValueKind.String,
        JsonTokenType.Number => JsonValueKind.Number,
        JsonTokenType.True => JsonValueKind.True,
        JsonTokenType.False => JsonValueKind.False,
        _ => JsonValueKind.Null,
    });

    /// <summary>
    /// Whether <paramref name="text"/> is only white space, as the SDK's reader decodes it: its stdio transport drops a line
    /// <see cref="string.IsNullOrWhiteSpace"/> calls blank, which is Unicode's white space (a form feed, U+00A0, U+2028 …),
    /// not only a space, a tab or a <c>\r</c>; judged by the ASCII alone, such a line got a -32700 the SDK would never
    /// have sent. An HTTP body of it is no message (<c>Serving.McpRequestBodyCheck</c>).
    /// </summary>
    public static bool IsBlank(ReadOnlySequence<byte> text)
    {
        bool beyondAscii = false;
        foreach (var segment in text)
            foreach (byte b in segment.Span)
            {
                if (b >= 0x80) beyondAscii = true;
                else if (!char.IsWhiteSpace((char)b)) return false;
            }
        // Undecodable bytes become U+FFFD, as in the SDK's reader, which is not white space.
        return !beyondAscii || string.IsNullOrWhiteSpace(Encoding.UTF8.GetString(text));
    }
}
