using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using OrtAgent.Mcp;
using OrtAgent.Tests.Commands;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// <c>notifications/progress</c> over <c>ortagent mcp</c>'s stdio, read line by line as a host reads them: a call whose
/// <c>_meta</c> carries a progress token is told how far it is, in order, before its result, and the result is the
/// same bytes as a call without a token, which is told nothing.
/// </summary>
public sealed class McpProgressTests(McpModels models) : IClassFixture<McpModels>
{
    /// <summary>130 path points run in runs of 64 (<c>ExplainOptions.MaxPointsPerRun</c>): 64, 64 and 2, after the path's ends.</summary>
    [Fact]
    public Task ExplainTextReportsThePathPointsRunBeforeItsResultAndAnswersAsWithoutAToken() => WithServerAsync(async (process, timeout) =>
    {
        var arguments = new JsonObject { ["text"] = "a good but boring film", ["model"] = "opinions", ["steps"] = 130 };

        var (notifications, told) = await CallAsync(process, 2, "explain_text", arguments, progressToken: "explain-1", timeout);
        var (none, untold) = await CallAsync(process, 3, "explain_text", arguments, progressToken: null, timeout);

        Assert.Equal([0, 64, 128, 130], notifications.Select(n => n.GetProperty("progress").GetDouble()));
        Assert.All(notifications, n => Assert.Equal("explain-1", n.GetProperty("progressToken").GetString()));
        Assert.All(notifications, n => Assert.Equal(130, n.GetProperty("total").GetDouble()));
        Assert.Contains("running 130 path points", notifications[0].GetProperty("message").GetString());
        Assert.Equal("integrated gradients: 128 of 130 path points run", notifications[2].GetProperty("message").GetString());
        Assert.Empty(none);
        Assert.Equal(untold, told);
        Assert.Contains("\"words_for\"", told);
    });

    /// <summary>The texts go to the model as one request, so only its start and its end are reported.</summary>
    [Fact]
    public Task ClassifyTextReportsItsStartAndEndBeforeItsResultAndAnswersAsWithoutAToken() => WithServerAsync(async (process, timeout) =>
    {
        var arguments = new JsonObject { ["texts"] = new JsonArray("great acting", "awful pasta", "a boring plot"), ["model"] = "sentiment" };

        var (notifications, told) = await CallAsync(process, 2, "classify_text", arguments, progressToken: 7, timeout);
        var (none, untold) = await CallAsync(process, 3, "classify_text", arguments, progressToken: null, timeout);

        Assert.Equal([(0.0, 3.0), (3.0, 3.0)], notifications.Select(n => (n.GetProperty("progress").GetDouble(), n.GetProperty("total").GetDouble())));
        Assert.All(notifications, n => Assert.Equal(7, n.GetProperty("progressToken").GetInt32()));
        Assert.Equal(["classifying 3 texts with sentiment", "classified 3 texts with sentiment"], notifications.Select(n => n.GetProperty("message").GetString()));
        Assert.Empty(none);
        Assert.Equal(untold, told);
    });

    /// <summary>
    /// The progress parameter is the SDK's to bind, never an argument: each tool's input schema names exactly the
    /// method's parameters less those the SDK fills (the call's progress and cancellation), so tools/list is what it
    /// was before the tools took progress, on the server with models and on the one with fine-tuning.
    /// </summary>
    [Fact]
    public async Task NoToolsInputSchemaHasTheProgressParameter()
    {
        using var tiny = new TinyTrainingFixture();
        var listed = new Dictionary<string, JsonElement>();
        string[][] servers = [["--model", models.SentimentDirectory, "--model", models.OpinionsDirectory],
            ["--fine-tuning", "--store", Path.Combine(tiny.Root, "store"), "--base-model", $"tiny={tiny.BaseModel}"]];
        foreach (var server in servers)
            await WithServerAsync(server, async (process, timeout) =>
            {
                await JsonRpcLines.SendAsync(process, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 2, ["method"] = "tools/list" });
                using var answer = await JsonRpcLines.ReceiveAsync(process, timeout);
                foreach (var tool in answer.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray())
                    listed[tool.GetProperty("name").GetString()!] = tool.GetProperty("inputSchema").Clone();
            });
        var methods = typeof(McpToolRegistration).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Method: m, Tool: m.GetCustomAttribute<McpServerToolAttribute>()))
            .Where(m => m.Tool is not null)
            .ToDictionary(m => m.Tool!.Name!, m => m.Method);

        Assert.Equal(methods.Keys.Order(), listed.Keys.Order());
        Assert.Contains(methods.Values, m => m.GetParameters().Any(p => p.ParameterType == typeof(IProgress<ProgressNotificationValue>)));
        foreach (var (name, method) in methods)
        {
            var arguments = method.GetParameters()
                .Where(p => p.ParameterType != typeof(CancellationToken) && p.ParameterType != typeof(IProgress<ProgressNotificationValue>))
                .Select(p => p.Name);
            var properties = listed[name].TryGetProperty("properties", out var given) ? given.EnumerateObject().Select(p => p.Name) : [];
            Assert.Equal(arguments.Order(), properties.Order());
            Assert.DoesNotContain("progress", properties);
        }
    }

    /// <summary>
    /// Sends a <c>tools/call</c>, with <paramref name="progressToken"/> in its <c>_meta</c> unless null, and reads every
    /// line up to its response: the progress notifications' params, in the order written, and the result's raw JSON.
    /// </summary>
    private static async Task<(List<JsonElement> Notifications, string Result)> CallAsync(Process process, int id, string tool, JsonObject arguments,
        JsonNode? progressToken, CancellationToken timeout)
    {
        var call = JsonRpcLines.CallTool(id, tool, (JsonObject)arguments.DeepClone());
        if (progressToken is not null) call["params"]!["_meta"] = new JsonObject { ["progressToken"] = progressToken.DeepClone() };
        await JsonRpcLines.SendAsync(process, call);
        var notifications = new List<JsonElement>();
        // Bounded: a call's lines are its notifications (a handful) and its response.
        for (int line = 0; line < 50; line++)
        {
            using var message = await JsonRpcLines.ReceiveAsync(process, timeout);
            var root = message.RootElement;
            if (root.TryGetProperty("id", out var answered))
            {
                Assert.Equal(id, answered.GetInt32());
                Assert.False(root.GetProperty("result").TryGetProperty("isError", out var isError) && isError.GetBoolean(), root.GetRawText());
                return (notifications, root.GetProperty("result").GetRawText());
            }
            Assert.Equal("notifications/progress", root.GetProperty("method").GetString());
            notifications.Add(root.GetProperty("params").Clone());
        }
        throw new InvalidOperationException($"no response to call {id} in 50 lines");
    }

    private Task WithServerAsync(Func<Process, CancellationToken, Task> exchange) =>
        WithServerAsync(["--model", models.SentimentDirectory, "--model", models.OpinionsDirectory], exchange);

    /// <summary>Starts <c>ortagent mcp</c> with <paramref name="arguments"/>, opens as a 2025-11-25 client, and runs <paramref name="exchange"/>.</summary>
    private static async Task WithServerAsync(string[] arguments, Func<Process, CancellationToken, Task> exchange)
    {
        using var process = OrtAgentMcpProcess.StartBare(arguments);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await JsonRpcLines.HandshakeAsync(process, timeout.Token);
            await exchange(process, timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
