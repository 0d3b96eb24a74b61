using System.Net;
using System.Text;
using System.Text.Json;
using OrtAgent.Serving;
using OrtAgent.Tests.FineTuningService;
using OrtAgent.Tests.Serving;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// <c>POST /mcp</c> bodies the MCP SDK misread, on <c>serve</c> and on <c>serve --fine-tuning</c> (one pipeline): one
/// without a Content-Type, or with one routing cannot parse, was a 500 with a stack trace in the log (the SDK's read threw);
/// one declared as UTF-16 holding UTF-8 was decoded as UTF-16 (a 400 about a byte never sent); a gzip one was read as
/// it came. Each is a 415 JSON-RPC error saying what to send, as <c>/predict</c> refuses them; UTF-8 by spellings .NET
/// does not know (which threw too) is read.
/// </summary>
public sealed class McpRequestBodyTests(FineTuningServiceFixture fixture) : IClassFixture<FineTuningServiceFixture>
{
    private const string NoContentType =
        "POST /mcp takes one JSON-RPC message sent with Content-Type: application/json; this request has no Content-Type";

    private const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    /// <summary>Content-Type (null: none), Content-Encoding, body (null: none), and the start of the refusal's message.</summary>
    private static readonly (string? Type, string? Encoding, string? Body, string Says)[] Refused =
    [
        (null, null, null, NoContentType),
        (null, null, Initialize, NoContentType),
        ("???", null, Initialize, "/mcp does not take a body of type '???'; send application/json"),
        ("application/json;;;=", null, Initialize, "/mcp does not take a body of type 'application/json;;;='; send application/json"),
        ("application/json; charset=utf-16", null, Initialize, "/mcp takes a JSON body encoded as UTF-8; this one is declared as charset 'utf-16'"),
        ("application/json", "gzip", Initialize, "/mcp takes an uncompressed body; this one is sent with Content-Encoding 'gzip'"),
    ];

    [Fact]
    public async Task ABodyTheSdkWouldMisreadIs415SayingWhatToSendOnBothServers()
    {
        await using var serve = await ServerUnderTest.StartAsync();
        foreach (var (client, logs) in new[] { (serve.Client, serve.Logs), (fixture.Service.Http, fixture.Service.Logs) })
        {
            foreach (var (type, encoding, body, says) in Refused)
            {
                using var response = await client.SendAsync(Post(type, encoding, body));

                string what = $"Content-Type {type ?? "none"}, Content-Encoding {encoding ?? "none"}, {(body is null ? "no body" : "a body")}";
                Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{what}: {(int)response.StatusCode}");
                using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal(JsonValueKind.Null, error.RootElement.GetProperty("id").ValueKind);
                Assert.Equal(-32000, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
                Assert.StartsWith(says, error.RootElement.GetProperty("error").GetProperty("message").GetString());
            }
            Assert.DoesNotContain(logs.Lines, line => line.StartsWith("Error ", StringComparison.Ordinal) || line.Contains("InvalidOperationException", StringComparison.Ordinal));
        }
    }

    /// <summary>Spellings of UTF-8 the check lets through, which ASP.NET's JSON read does not know by name and threw on (a 500).</summary>
    [Theory]
    [InlineData("application/json; charset=utf8")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("application/json; charset=")]
    [InlineData("application/json; charset=us-ascii")]
    public async Task AUtf8BodyUnderAnyNameOfUtf8OpensASession(string type)
    {
        using var response = await fixture.Service.Http.SendAsync(Post(type, encoding: null, Initialize));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("Mcp-Session-Id"));
        Assert.Contains("\"protocolVersion\":\"2025-11-25\"", await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A body starting with a UTF-8 byte order mark, as Windows tools write it, is read as the SDK, <c>/predict</c> and
    /// chat read it: the body check refused it as "'0xEF' is an invalid start of a value".
    /// </summary>
    [Fact]
    public async Task ABodyStartingWithAByteOrderMarkOpensASessionOnBothServers()
    {
        await using var serve = await ServerUnderTest.StartAsync();
        foreach (var client in new[] { serve.Client, fixture.Service.Http })
        {
            var request = Post("application/json", encoding: null, body: null);
            request.Content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Initialize)]);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var response = await client.SendAsync(request);

            string answer = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, answer);
            Assert.True(response.Headers.Contains("Mcp-Session-Id"));
            Assert.Contains("\"protocolVersion\":\"2025-11-25\"", answer);
        }
    }

    /// <summary>
    /// An empty body, or one of white space (a byte order mark before it too), is no message: the check took it for a
    /// blank stdio line, which the transport skips, and the SDK answered in System.Text.Json's words. It is an Invalid
    /// Request in the check's words, in the envelope of its other refusals.
    /// </summary>
    [Theory]
    [InlineData("", "is empty")]
    [InlineData("\uFEFF", "is empty")]
    [InlineData(" \r\n\t", "holds only white space")]
    public async Task AnEmptyBodyIsAnInvalidRequestSayingSoOnBothServers(string body, string says)
    {
        await using var serve = await ServerUnderTest.StartAsync();
        foreach (var client in new[] { serve.Client, fixture.Service.Http })
        {
            using var response = await client.SendAsync(Post("application/json", encoding: null, body));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(
                $$$"""{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: the body of POST /mcp {{{says}}}; it must hold one JSON-RPC message"}}""",
                await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>
    /// A body that is no JSON-RPC message: the SDK answered -32600 for all, in System.Text.Json's words ("Expected start
    /// of a property name … LineNumber", "could not be converted to ModelContextProtocol.Protocol.JsonRpcMessage"),
    /// and a string in bytes that are not UTF-8 was refused as half a surrogate pair (over stdio it was classified with
    /// U+FFFD in it). Both transports answer each with the same code, id and words; HTTP with the SDK's 400.
    /// </summary>
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,""", -32700, "null", "Expected start of a property name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":5}""", -32600, "1", "its \"method\" is a number, not a string")]
    [InlineData("""{"jsonrpc":"2.0","id":1.5,"method":"ping"}""", -32600, "null", "its \"id\" is a number that is not an integer")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", -32600, "null", "it is an array (a batch), which this server does not take")]
    // Sent in Latin-1: the é is the byte E9, which is no UTF-8.
    [InlineData("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"classify_text","arguments":{"texts":["café"]}}}""", -32700, "3",
        "it is not valid Unicode text: it holds bytes that are not UTF-8, the first at byte offset 105")]
    // A name given twice was -32603 "An error occurred." from the SDK, nothing logged (a tester, 2026-12-07): invalid
    // params naming the field with its path, as /predict names a repeated field.
    [InlineData("""{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"classify_text","arguments":{"text":"great","text":"awful"}}}""", -32602, "4",
        "Invalid params: line 1 of the input names 'params.arguments.text' twice in one object; give each field once")]
    [InlineData("""{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"classify_text","name":"explain_text","arguments":{"text":"great"}}}""", -32602, "\"a\"",
        "names 'params.name' twice in one object")]
    [InlineData("""{"jsonrpc":"2.0","id":5,"id":6,"method":"ping"}""", -32600, "null", "is JSON but not a JSON-RPC message: it names 'id' twice in one object")]
    public async Task ABodyThatIsNoJsonRpcMessageIsAnsweredAsStdioAnswersItsLine(string message, int code, string id, string says)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(message);
        var stdout = new MemoryStream();
        var gate = new OrtAgent.Mcp.JsonRpcLineGate(new MemoryStream([.. bytes, (byte)'\n']), stdout, new StringWriter());
        await gate.PumpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
        using var stdio = JsonDocument.Parse(Encoding.UTF8.GetString(stdout.ToArray()).Trim());
        var stdioError = stdio.RootElement.GetProperty("error");
        Assert.Equal(code, stdioError.GetProperty("code").GetInt32());
        Assert.Equal(id, stdio.RootElement.GetProperty("id").GetRawText());
        Assert.Contains(says, stdioError.GetProperty("message").GetString());

        await using var serve = await ServerUnderTest.StartAsync();
        foreach (var client in new[] { serve.Client, fixture.Service.Http })
        {
            var request = Post("application/json", encoding: null, body: null);
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var http = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var httpError = http.RootElement.GetProperty("error");
            Assert.Equal(code, httpError.GetProperty("code").GetInt32());
            Assert.Equal(id, http.RootElement.GetProperty("id").GetRawText());
            Assert.Equal(stdioError.GetProperty("message").GetString()!.Replace("line 1 of the input", "the body of POST /mcp", StringComparison.Ordinal)
                .Replace("; each line must be one JSON-RPC message", "", StringComparison.Ordinal), httpError.GetProperty("message").GetString());
        }
    }

    /// <summary>A POST /mcp as the test writes it: the headers exactly as given, none added (HttpClient adds a Content-Type to text content).</summary>
    private static HttpRequestMessage Post(string? type, string? encoding, string? body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, InferenceServer.McpPath);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Content = new ByteArrayContent(body is null ? [] : Encoding.UTF8.GetBytes(body));
        if (type is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
        if (encoding is not null) request.Content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
        return request;
    }
}
