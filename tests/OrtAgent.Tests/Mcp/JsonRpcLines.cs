using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrtAgent.Tests.Mcp;

/// <summary>
/// JSON-RPC over a child process's stdin and stdout, one message a line, as MCP's stdio transport frames it: for tests
/// that play an older client by hand instead of through the SDK.
/// </summary>
internal static class JsonRpcLines
{
    /// <summary>The opening request of a client on <paramref name="protocolVersion"/>.</summary>
    public static JsonObject Initialize(int id, string protocolVersion) => new()
    {
        ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = "initialize",
        ["params"] = new JsonObject
        {
            ["protocolVersion"] = protocolVersion,
            ["capabilities"] = new JsonObject(),
            ["clientInfo"] = new JsonObject { ["name"] = "raw-test", ["version"] = "1.0" },
        },
    };

    public static JsonObject Initialized() => new() { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" };

    public static JsonObject CallTool(int id, string name, JsonObject arguments) => new()
    {
        ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = "tools/call",
        ["params"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
    };

    /// <summary>Initializes a session at protocol 2025-11-25 (request id 1), reads its answer, and says it is initialized.</summary>
    public static async Task HandshakeAsync(Process process, CancellationToken cancellationToken)
    {
        await SendAsync(process, Initialize(1, "2025-11-25"));
        (await ReceiveAsync(process, cancellationToken)).Dispose();
        await SendAsync(process, Initialized());
    }

    public static Task SendAsync(Process process, JsonObject message) => SendRawAsync(process, message.ToJsonString());

    /// <summary>Sends one line as written, for messages no JSON writer would produce (an escaped lone surrogate).</summary>
    public static async Task SendRawAsync(Process process, string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
    }

    /// <summary>Reads the next stdout line, which must be one whole JSON-RPC message.</summary>
    public static async Task<JsonDocument> ReceiveAsync(Process process, CancellationToken cancellationToken)
    {
        var line = await process.StandardOutput.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("stdout closed");
        var document = JsonDocument.Parse(line);
        Assert.Equal("2.0", document.RootElement.GetProperty("jsonrpc").GetString());
        return document;
    }
}
