using System.Text.Json;
using System.Text.Json.Nodes;
using OrtAgent.Tests.Serving;
using OrtAgent.Training.Export;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// <c>notifications/progress</c> over <c>serve</c>'s <c>/mcp</c>, read from the call's event stream in the order
/// written, as a 2025-11-25 client (initialize, then a session) reads it: they come before the result, and the result
/// is the same bytes as a call without a token, whose stream holds the result alone.
/// </summary>
public sealed class McpHttpProgressTests
{
    [Fact]
    public async Task ExplainTextsProgressComesOnTheCallsStreamBeforeItsResult()
    {
        await using var server = await ServerUnderTest.StartAsync(dir =>
        {
            ModelExporter.AddExplainGraph(dir);
            return ServerUnderTest.Options(dir);
        });
        using var opened = await server.Client.SendAsync(Serving.HostAndOriginCheckTests.McpInitializeRequest());
        opened.EnsureSuccessStatusCode();
        string? session = opened.Headers.TryGetValues("Mcp-Session-Id", out var sessions) ? sessions.Single() : null;
        using (var initialized = await server.Client.SendAsync(Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", session)))
            initialized.EnsureSuccessStatusCode();
        var arguments = new JsonObject { ["text"] = "the movie was great", ["steps"] = 100 };

        var (notifications, told) = await CallAsync(server, session, 2, arguments, "over-http");
        var (none, untold) = await CallAsync(server, session, 3, arguments, progressToken: null);

        Assert.Equal([0, 64, 100], notifications.Select(n => n.GetProperty("progress").GetDouble()));
        Assert.All(notifications, n => Assert.Equal(100, n.GetProperty("total").GetDouble()));
        Assert.All(notifications, n => Assert.Equal("over-http", n.GetProperty("progressToken").GetString()));
        Assert.Empty(none);
        Assert.Equal(untold, told);
    }

    /// <summary>Posts a tools/call of explain_text and reads its stream: the progress notifications' params in order, and the result's raw JSON.</summary>
    private static async Task<(List<JsonElement> Notifications, string Result)> CallAsync(ServerUnderTest server, string? session, int id,
        JsonObject arguments, string? progressToken)
    {
        var call = JsonRpcLines.CallTool(id, "explain_text", (JsonObject)arguments.DeepClone());
        if (progressToken is not null) call["params"]!["_meta"] = new JsonObject { ["progressToken"] = progressToken };
        using var response = await server.Client.SendAsync(Post(call.ToJsonString(), session));
        response.EnsureSuccessStatusCode();
        string body = await response.Content.ReadAsStringAsync();
        var notifications = new List<JsonElement>();
        foreach (var line in body.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("data:", StringComparison.Ordinal)))
        {
            string data = line["data:".Length..].Trim();
            if (data.Length == 0) continue;
            using var message = JsonDocument.Parse(data);
            var root = message.RootElement;
            if (root.TryGetProperty("id", out var answered))
            {
                Assert.Equal(id, answered.GetInt32());
                return (notifications, root.GetProperty("result").GetRawText());
            }
            Assert.Equal("notifications/progress", root.GetProperty("method").GetString());
            notifications.Add(root.GetProperty("params").Clone());
        }
        throw new InvalidOperationException($"no response to call {id} in: {body}");
    }

    private static HttpRequestMessage Post(string json, string? session)
    {
        var request = Serving.HostAndOriginCheckTests.McpPost(json);
        if (session is not null) request.Headers.Add("Mcp-Session-Id", session);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        return request;
    }
}
