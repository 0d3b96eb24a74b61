using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// <c>ortagent mcp</c> with one model, as clients of both protocol generations meet it: the SDK's client set to an older
/// revision (which opens with <c>initialize</c>), and a hand-written JSON-RPC exchange over the process's stdin and stdout.
/// </summary>
public sealed class McpStdioProtocolTests(McpModels models) : IClassFixture<McpModels>
{
    [Fact]
    public async Task AnOlderClientNegotiates20251125AndNeedsNoModelNameWithOneModelLoaded()
    {
        await using var client = await OrtAgentMcpProcess.ConnectAsync(["--model", models.SentimentDirectory], protocolVersion: "2025-11-25");

        Assert.Equal("2025-11-25", client.NegotiatedProtocolVersion);
        Assert.Equal("ortagent", client.ServerInfo?.Name);
        var answer = await client.CallAsync("classify_text", new() { ["text"] = "a boring plot" });
        Assert.Equal("negative", answer.GetProperty("results")[0].GetProperty("label").GetString());
    }

    [Fact]
    public async Task TheNewestClientNegotiates20260728()
    {
        await using var client = await OrtAgentMcpProcess.ConnectAsync(["--model", models.SentimentDirectory]);

        Assert.Equal("2026-07-28", client.NegotiatedProtocolVersion);
        var answer = await client.CallAsync("list_models", []);
        Assert.Equal("sentiment", answer.GetProperty("models")[0].GetProperty("name").GetString());
    }

    /// <summary>
    /// Agent hosts ask every server for its resources and prompts on connect, whatever its capabilities say. This one
    /// has only tools, and the SDK logged each such request as two warnings, one with a stack trace. It is method not
    /// found, as before, and one information line.
    /// </summary>
    [Fact]
    public async Task AMethodOfAFeatureTheServerHasNotIsMethodNotFoundAndOneInformationLine()
    {
        var stderr = new List<string>();
        string[] methods = ["resources/list", "resources/templates/list", "prompts/list", "completion/complete"];
        await using (var client = await OrtAgentMcpProcess.ConnectAsync(["--model", models.SentimentDirectory], protocolVersion: "2025-11-25", stderr: stderr))
        {
            foreach (string method in methods)
            {
                var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.SendRequestAsync(new JsonRpcRequest { Method = method }));
                Assert.Equal(McpErrorCode.MethodNotFound, refused.ErrorCode);
            }
            // The tools are still the SDK's.
            Assert.Equal("positive", (await client.CallAsync("classify_text", new() { ["text"] = "great" })).GetProperty("results")[0].GetProperty("label").GetString());
        }
        // The client is gone, and with it the server; its last lines may still be on their way to the list.
        string[] lines = [];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            lock (stderr) lines = [.. stderr];
            if (lines.Count(l => l.Contains("which this server does not offer")) >= methods.Length) break;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Equal(methods.Select(m => $"info: OrtAgent.Mcp.UnknownMethodCheck[0] A client called {m}, which this server does not offer"),
            lines.Where(l => methods.Any(l.Contains)));
        Assert.DoesNotContain(lines, l => l.StartsWith("warn", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARawInitializeExchangeGetsOnlyJsonRpcOnStdoutAndTheProcessExitsWhenStdinCloses()
    {
        using var process = OrtAgentMcpProcess.StartBare("--model", models.SentimentDirectory);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await JsonRpcLines.SendAsync(process, JsonRpcLines.Initialize(1, "2025-11-25"));
            using var initialized = await JsonRpcLines.ReceiveAsync(process, timeout.Token);
            Assert.Equal(1, initialized.RootElement.GetProperty("id").GetInt32());
            var result = initialized.RootElement.GetProperty("result");
            Assert.Equal("2025-11-25", result.GetProperty("protocolVersion").GetString());
            Assert.Equal("ortagent", result.GetProperty("serverInfo").GetProperty("name").GetString());
            Assert.True(result.GetProperty("capabilities").TryGetProperty("tools", out _));

            await JsonRpcLines.SendAsync(process, JsonRpcLines.Initialized());
            await JsonRpcLines.SendAsync(process, JsonRpcLines.CallTool(2, "classify_text", new JsonObject { ["texts"] = new JsonArray("great acting", "awful pasta") }));
            using var called = await JsonRpcLines.ReceiveAsync(process, timeout.Token);
            Assert.Equal(2, called.RootElement.GetProperty("id").GetInt32());
            var structured = called.RootElement.GetProperty("result").GetProperty("structuredContent");
            Assert.Equal(["positive", "negative"], structured.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("label").GetString()));

            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("", (await process.StandardOutput.ReadToEndAsync(timeout.Token)).Trim());
            Assert.DoesNotContain("\"jsonrpc\"", await stderr);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// A client that sends its calls and closes stdin at once (a pipe, <c>echo … | ortagent mcp</c>) gets every answer
    /// before the server exits: the calls in flight at stdin's end were dropped unanswered, though their work (a job a
    /// start_fine_tuning call created) went on.
    /// </summary>
    [Fact]
    public async Task CallsSentJustBeforeStdinClosesAreAnsweredBeforeTheServerExits()
    {
        using var process = OrtAgentMcpProcess.StartBare("--model", models.SentimentDirectory);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await JsonRpcLines.HandshakeAsync(process, timeout.Token);
            await JsonRpcLines.SendAsync(process, JsonRpcLines.CallTool(2, "classify_text", new JsonObject { ["text"] = "great acting" }));
            await JsonRpcLines.SendAsync(process, JsonRpcLines.CallTool(3, "classify_text", new JsonObject { ["text"] = "awful pasta" }));
            process.StandardInput.Close();

            await process.WaitForExitAsync(timeout.Token);
            var answered = (await process.StandardOutput.ReadToEndAsync(timeout.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement).ToDictionary(m => m.GetProperty("id").GetInt32());
            Assert.True(answered.Count == 2, $"answered {answered.Count} of 2 calls; stderr:\n{await stderr}");
            Assert.Equal("positive", answered[2].GetProperty("result").GetProperty("structuredContent").GetProperty("results")[0].GetProperty("label").GetString());
            Assert.Equal("negative", answered[3].GetProperty("result").GetProperty("structuredContent").GetProperty("results")[0].GetProperty("label").GetString());
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// Params the SDK cannot convert used to fail inside it as <c>-32603 An error occurred.</c>: now invalid params,
    /// naming the field, and the server goes on answering.
    /// </summary>
    [Fact]
    public Task ToolCallParamsTheSdkCannotConvertAreInvalidParamsNamingTheField() => AfterAHandshakeAsync(async (process, timeout) =>
    {
        var cases = new (string Params, string Says)[]
        {
            ("""{"name":"classify_text","arguments":{"text":"a \ud800 b"}}""", "argument 'text' holds half a surrogate pair"),
            ("""{"name":"classify_text","arguments":["great acting"]}""", "params.arguments must be an object of the tool's arguments by name, not an array"),
            ("""{"name":7,"arguments":{}}""", "params.name must be a string naming the tool, not a number"),
            ("\"classify_text\"", "params must be an object holding the tool's name and arguments, not a string"),
        };
        for (int i = 0; i < cases.Length; i++)
        {
            int id = 10 + i;
            await JsonRpcLines.SendRawAsync(process, $$"""{"jsonrpc":"2.0","id":{{id}},"method":"tools/call","params":{{cases[i].Params}}}""");
            using var answer = await JsonRpcLines.ReceiveAsync(process, timeout);
            Assert.Equal(id, answer.RootElement.GetProperty("id").GetInt32());
            var error = answer.RootElement.GetProperty("error");
            Assert.Equal(-32602, error.GetProperty("code").GetInt32());
            Assert.Contains(cases[i].Says, error.GetProperty("message").GetString());
        }
    });

    /// <summary>
    /// Params of the methods the SDK answers itself that it cannot read (found by a tester, 2026-12-07) failed inside
    /// it as <c>-32603 An error occurred.</c>, each logged as a warning with a stack trace: now invalid params naming
    /// the method and the field, nothing on stderr, and the session goes on.
    /// </summary>
    [Fact]
    public async Task ParamsOfTheSdksOwnMethodsThatItCannotReadAreInvalidParamsNamingTheFieldWithNothingLogged()
    {
        using var process = OrtAgentMcpProcess.StartBare("--model", models.SentimentDirectory);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            async Task RefusedAsync(int id, string method, string parameters, string says)
            {
                await JsonRpcLines.SendRawAsync(process, $$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{parameters}}}""");
                using var answer = await JsonRpcLines.ReceiveAsync(process, timeout.Token);
                Assert.Equal(id, answer.RootElement.GetProperty("id").GetInt32());
                var error = answer.RootElement.GetProperty("error");
                Assert.Equal(-32602, error.GetProperty("code").GetInt32());
                Assert.StartsWith($"{method}: {says}", error.GetProperty("message").GetString());
            }

            await RefusedAsync(1, "initialize", "5", "params must be an object, not a number");
            await RefusedAsync(2, "initialize", """{"protocolVersion":5}""", "params.protocolVersion is not a value of the kind MCP defines for it");
            await JsonRpcLines.SendAsync(process, JsonRpcLines.Initialize(3, "2025-11-25"));
            using (var initialized = await JsonRpcLines.ReceiveAsync(process, timeout.Token))
                Assert.Equal("2025-11-25", initialized.RootElement.GetProperty("result").GetProperty("protocolVersion").GetString());
            await JsonRpcLines.SendAsync(process, JsonRpcLines.Initialized());

            await RefusedAsync(4, "tools/list", """{"cursor":5}""", "params.cursor is not a value of the kind MCP defines for it");
            await RefusedAsync(5, "tools/list", "[]", "params must be an object, not an array");
            await RefusedAsync(6, "logging/setLevel", """{"level":"bogus"}""",
                "params.level is not a value of the kind MCP defines for it (one of \"debug\", \"info\", ");
            await RefusedAsync(7, "logging/setLevel", "{}", "params lack 'level', which the method requires");

            // What the SDK reads still reaches it.
            await JsonRpcLines.SendRawAsync(process, """{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{}}""");
            using (var listed = await JsonRpcLines.ReceiveAsync(process, timeout.Token))
                Assert.Contains(listed.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray(), t => t.GetProperty("name").GetString() == "classify_text");
            await JsonRpcLines.SendRawAsync(process, """{"jsonrpc":"2.0","id":9,"method":"logging/setLevel","params":{"level":"info"}}""");
            using (var set = await JsonRpcLines.ReceiveAsync(process, timeout.Token))
                Assert.Equal(JsonValueKind.Object, set.RootElement.GetProperty("result").ValueKind);

            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            var logged = await stderr;
            Assert.DoesNotContain("warn", logged);
            Assert.DoesNotContain("   at ", logged);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public Task ALineThatIsNotJsonGetsAParseErrorNamingItAndTheServerGoesOn() => AfterAHandshakeAsync(async (process, timeout) =>
    {
        await JsonRpcLines.SendRawAsync(process, "");
        var cases = new (string Line, int Number, string Says)[]
        {
            ("hello", 4, "'h' is an invalid start of a value"),
            ("""{"jsonrpc":"2.0","id":5,""", 5, "Expected start of a property name or value, but instead reached end of data"),
            ("""{"jsonrpc":"2.0"} {"id":6}""", 6, "'{' is invalid after a single JSON value"),
        };
        foreach (var (line, number, says) in cases)
        {
            await JsonRpcLines.SendRawAsync(process, line);
            using var answer = await JsonRpcLines.ReceiveAsync(process, timeout);
            Assert.Equal(JsonValueKind.Null, answer.RootElement.GetProperty("id").ValueKind);
            var error = answer.RootElement.GetProperty("error");
            Assert.Equal(-32700, error.GetProperty("code").GetInt32());
            Assert.StartsWith($"Parse error: line {number} of the input is not JSON ({says}", error.GetProperty("message").GetString());
        }
    });

    /// <summary>
    /// JSON lines that are not a JSON-RPC message got no answer and no stderr line, and a client waited for ever; each
    /// is Invalid Request (id null), and the server goes on.
    /// </summary>
    [Fact]
    public Task JsonThatIsNotAJsonRpcMessageIsInvalidRequestAndTheServerGoesOn() => AfterAHandshakeAsync(async (process, timeout) =>
    {
        string[] lines =
        [
            """[{"jsonrpc":"2.0","id":9,"method":"tools/list"}]""", "[]", "5", "\"str\"",
            """{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}""", """{"jsonrpc":"2.0","id":1.5,"method":"ping"}""",
            """{"jsonrpc":"2.0","method":5}""", """{"jsonrpc":"2.0","id":13}""",
        ];
        for (int i = 0; i < lines.Length; i++)
        {
            await JsonRpcLines.SendRawAsync(process, lines[i]);
            using var answer = await JsonRpcLines.ReceiveAsync(process, timeout);
            Assert.Equal(JsonValueKind.Null, answer.RootElement.GetProperty("id").ValueKind);
            var error = answer.RootElement.GetProperty("error");
            Assert.Equal(-32600, error.GetProperty("code").GetInt32());
            // Lines 1 and 2 were the handshake.
            Assert.StartsWith($"Invalid Request: line {i + 3} of the input is JSON but not a JSON-RPC message: ", error.GetProperty("message").GetString());
        }
    });

    /// <summary>
    /// The SDK's transport ends a line at a lone "\r" as at "\n" (it reads with StreamReader.ReadLineAsync); the line
    /// check split at "\n" alone, so two messages parted by a "\r" were one line to it, answered with a parse error, and
    /// neither was served. Lines now end where the SDK ends them, "\r\n" counting as one break.
    /// </summary>
    [Fact]
    public Task ALoneCarriageReturnEndsALineAsTheSdkReadsIt() => AfterAHandshakeAsync(async (process, timeout) =>
    {
        async Task<List<JsonDocument>> ReceiveAsync(int count)
        {
            var answers = new List<JsonDocument>();
            for (int i = 0; i < count; i++) answers.Add(await JsonRpcLines.ReceiveAsync(process, timeout));
            return answers;
        }

        // Lines 3 and 4.
        await JsonRpcLines.SendRawAsync(process, "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/list\",\"params\":{}}\r{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"ping\"}");
        var served = await ReceiveAsync(2);
        Assert.Equal([20, 21], served.Select(a => a.RootElement.GetProperty("id").GetInt32()).Order());
        Assert.All(served, a => Assert.True(a.RootElement.TryGetProperty("result", out _)));

        // Lines 5 and 6: the line that is not JSON is refused alone, and the message after it served.
        await JsonRpcLines.SendRawAsync(process, "hello\r{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"ping\"}");
        var answers = await ReceiveAsync(2);
        var refused = Assert.Single(answers, a => a.RootElement.TryGetProperty("error", out _)).RootElement.GetProperty("error");
        Assert.Equal(-32700, refused.GetProperty("code").GetInt32());
        Assert.StartsWith("Parse error: line 5 of the input is not JSON ('h' is an invalid start of a value", refused.GetProperty("message").GetString());
        Assert.Equal(22, Assert.Single(answers, a => a.RootElement.TryGetProperty("result", out _)).RootElement.GetProperty("id").GetInt32());

        // Line 7 ends with "\r\n", one line break: the next line is 8.
        await JsonRpcLines.SendRawAsync(process, "{\"jsonrpc\":\"2.0\",\"id\":23,\"method\":\"ping\"}\r");
        using (var pong = await JsonRpcLines.ReceiveAsync(process, timeout))
            Assert.Equal(23, pong.RootElement.GetProperty("id").GetInt32());
        await JsonRpcLines.SendRawAsync(process, "bye");
        using var last = await JsonRpcLines.ReceiveAsync(process, timeout);
        Assert.StartsWith("Parse error: line 8 of the input is not JSON", last.RootElement.GetProperty("error").GetProperty("message").GetString());
        foreach (var answer in served.Concat(answers)) answer.Dispose();
    });

    /// <summary>
    /// Starts <c>ortagent mcp</c> with the sentiment model, opens a session by hand (initialize, initialized: lines 1
    /// and 2), runs <paramref name="exchange"/>, and then checks that the server still answers a good call.
    /// </summary>
    private async Task AfterAHandshakeAsync(Func<System.Diagnostics.Process, CancellationToken, Task> exchange)
    {
        using var process = OrtAgentMcpProcess.StartBare("--model", models.SentimentDirectory);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await JsonRpcLines.HandshakeAsync(process, timeout.Token);

            await exchange(process, timeout.Token);

            await JsonRpcLines.SendAsync(process, JsonRpcLines.CallTool(99, "classify_text", new JsonObject { ["text"] = "great acting" }));
            using var called = await JsonRpcLines.ReceiveAsync(process, timeout.Token);
            Assert.Equal(99, called.RootElement.GetProperty("id").GetInt32());
            Assert.Equal("positive", called.RootElement.GetProperty("result").GetProperty("structuredContent")
                .GetProperty("results")[0].GetProperty("label").GetString());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task AModelDirectoryThatCannotBeLoadedIsOneErrorLineAndExitCode2WithNothingOnStdout()
    {
        using var missing = new TempDirectory();

        var run = await CliRun.RunAsync(["mcp", "--model", models.SentimentDirectory, "--model", missing.Path]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(missing.Path, line);
    }

    [Fact]
    public async Task TwoModelDirectoriesWithTheSameNameAreRefusedBeforeServing()
    {
        using var other = new TempDirectory();
        var copy = Path.Combine(other.Path, "sentiment");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(models.SentimentDirectory)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));

        var run = await CliRun.RunAsync(["mcp", "--model", models.SentimentDirectory, "--model", copy]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        // In the words serve --fine-tuning and mcp --fine-tuning use for the same clash (it said "two models are both
        // named 'sentiment'; the name is the model directory's, …"), naming the folder refused and the one that has the name.
        Assert.Equal($"error: --model {copy}: it would be served as 'sentiment', its folder's name, which is already the name of --model {models.SentimentDirectory}; rename the folder",
            Assert.Single(run.ErrorLines));   // no " (Parameter 'models')" from an ArgumentException
    }

    /// <summary>
    /// The clash is refused before any model loads, as the fine-tuning service refuses it (a folder holding no model was
    /// refused for its load, after the models before it had loaded), and names that differ only in case clash, as the
    /// tools find a model whatever its case.
    /// </summary>
    [Fact]
    public async Task AFolderNamedAsAnotherModelInAnotherCaseIsRefusedForItsNameBeforeAnyLoad()
    {
        using var other = new TempDirectory();
        var empty = Path.Combine(other.Path, "Sentiment");
        Directory.CreateDirectory(empty);

        var run = await CliRun.RunAsync(["mcp", "--model", models.SentimentDirectory, "--model", empty]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: --model {empty}: it would be served as 'Sentiment', its folder's name, which is already the name of --model {models.SentimentDirectory}; rename the folder",
            Assert.Single(run.ErrorLines));
    }

    [Theory]
    [InlineData("--max-inputs", "0", "error: --max-inputs 0: must be at least 1")]
    [InlineData("--max-chars", "-5", "error: --max-chars -5: must be at least 1")]
    [InlineData("--batch-size", "0", "error: --batch-size 0: must be at least 1; see 'ortagent mcp --help'")]
    [InlineData("--batch-size", "many", "error: --batch-size 'many': expected a whole number; see 'ortagent mcp --help'")]
    [InlineData("--threads", "-1", "error: --threads -1: must be 0 (automatic) to 1024")]
    [InlineData("--store", "store", "error: --store applies to the fine-tuning service; add --fine-tuning to run it")]
    [InlineData("--metrics-every", "5", "error: --metrics-every applies to the fine-tuning service; add --fine-tuning to run it")]
    public async Task AnOptionMistakeNamesItsFlagBeforeServing(string option, string value, string message)
    {
        var run = await CliRun.RunAsync(["mcp", "--model", models.SentimentDirectory, option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.StartsWith(message, Assert.Single(run.ErrorLines));
    }
}
